/**
 * Which encoder makes a format, given what this browser's WebCodecs can encode. Pure: the probe
 * (`probeWebCodecs` in webcodecsEncoder.ts) asks `VideoEncoder.isConfigSupported` and passes the
 * answer in.
 *
 *   format   | WebCodecs (fast path)        | ffmpeg.wasm (always works)
 *   mp4      | H.264 (avc1) -> MP4          | libx264 -> MP4
 *   webm     | VP9 (vp09)   -> WebM         | libvpx VP8 -> WebM (the core's libvpx-vp9 crashes, see ffmpegFormatArgs.ts)
 *   gif      | -                            | palettegen + paletteuse -> GIF
 *   png-zip  | -                            | png per frame -> zip (stored)
 *
 * Examples: ('mp4', 'auto', {avc: 'avc1.42001f', vp9: null}) -> WebCodecs avc1.42001f;
 * ('webm', 'auto', {avc: ..., vp9: null}) -> ffmpeg, "this browser's WebCodecs cannot encode VP9";
 * ('gif', 'webcodecs', ...) -> error: WebCodecs makes only MP4 and WebM.
 */
import type { EncoderChoice, VideoFormat } from '../rpc/encoderApi';

/** The codec string WebCodecs accepted for each codec, or null when it cannot encode it. */
export interface WebCodecsSupport {
  avc: string | null;
  vp9: string | null;
}

export const NO_WEBCODECS: WebCodecsSupport = { avc: null, vp9: null };

export type EncoderDecision =
  | { encoder: 'webcodecs'; codec: 'avc' | 'vp9'; codecString: string; container: 'mp4' | 'webm'; reason: string }
  | { encoder: 'ffmpeg'; reason: string }
  | { encoder: null; reason: string };

const WEBCODECS_CODEC: Partial<Record<VideoFormat, { codec: 'avc' | 'vp9'; container: 'mp4' | 'webm'; name: string }>> = {
  mp4: { codec: 'avc', container: 'mp4', name: 'H.264' },
  webm: { codec: 'vp9', container: 'webm', name: 'VP9' },
};

export function chooseEncoder(format: VideoFormat, choice: EncoderChoice, support: WebCodecsSupport): EncoderDecision {
  if (choice === 'ffmpeg') return { encoder: 'ffmpeg', reason: 'ffmpeg.wasm, as chosen' };
  const wc = WEBCODECS_CODEC[format];
  if (!wc) {
    const reason = `WebCodecs makes only MP4 and WebM; ${format.toUpperCase()} is made by ffmpeg.wasm`;
    return choice === 'auto' ? { encoder: 'ffmpeg', reason: `auto: ${reason}` } : { encoder: null, reason: `${reason}. Choose Auto or ffmpeg.` };
  }
  const codecString = support[wc.codec];
  if (codecString) {
    const how = choice === 'auto' ? 'auto: this browser encodes' : 'WebCodecs, as chosen:';
    return { encoder: 'webcodecs', codec: wc.codec, codecString, container: wc.container, reason: `${how} ${wc.name} (${codecString}) with WebCodecs` };
  }
  const missing = `this browser's WebCodecs cannot encode ${wc.name} at this size`;
  return choice === 'auto'
    ? { encoder: 'ffmpeg', reason: `auto: ${missing}; used ffmpeg.wasm` }
    : { encoder: null, reason: `${missing[0].toUpperCase()}${missing.slice(1)}. Choose Auto or ffmpeg.` };
}
