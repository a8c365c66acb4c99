/**
 * The encoder worker's whole API: picks WebCodecs or ffmpeg.wasm per request (chooseEncoder.ts)
 * and says which one made the file and why.
 *
 * 'auto': WebCodecs for MP4 (H.264) and WebM (VP9) when `VideoEncoder.isConfigSupported` accepts
 * the size and rate; ffmpeg.wasm otherwise, and for GIF and PNG frames. If WebCodecs accepts the
 * config but then fails while encoding, 'auto' retries once with ffmpeg (the reason says so).
 * 'webcodecs' never switches silently: an impossible request is a 'bad-input' error saying what to choose.
 */
import { ENCODER_CHOICES, FORMAT_FILES, VIDEO_FORMATS, type EncoderApi, type EncodeRequest, type VideoEncodeRequest, type VideoEncodeResult } from '../rpc/encoderApi';
import { AppErrorException, appError } from '../rpc/errors';
import type { ProgressCallback } from '../rpc/progress';
import { NO_WEBCODECS, chooseEncoder, type WebCodecsSupport } from './chooseEncoder';
import type { FfmpegEncoder } from './ffmpegEncoder';
import { encodeWithWebCodecs, probeWebCodecs } from './webcodecsEncoder';

export interface VideoEncoderDeps {
  ffmpeg: Pick<FfmpegEncoder, 'encodeMp4' | 'encodeFormat'>;
  /** Default: probeWebCodecs (VideoEncoder.isConfigSupported). */
  probe?: (width: number, height: number, fps: number) => Promise<WebCodecsSupport>;
  /** Default: encodeWithWebCodecs (VideoEncoder + mediabunny). */
  webcodecs?: typeof encodeWithWebCodecs;
  now?: () => number;
}

export function createVideoEncoder(deps: VideoEncoderDeps): EncoderApi {
  const probe = deps.probe ?? ((w, h, fps) => probeWebCodecs(w, h, fps));
  const webcodecs = deps.webcodecs ?? encodeWithWebCodecs;
  const now = deps.now ?? (() => performance.now());

  async function viaFfmpeg(request: EncodeRequest, format: VideoEncodeRequest['format'], reason: string, onProgress: ProgressCallback, t0: number): Promise<VideoEncodeResult> {
    const out = await deps.ffmpeg.encodeFormat(request, format, onProgress);
    return { bytes: out.bytes, mimeType: out.mimeType, extension: out.extension, encoder: 'ffmpeg', codec: out.codec, reason, ms: now() - t0 };
  }

  return {
    encodeMp4: (request, onProgress) => deps.ffmpeg.encodeMp4(request, onProgress),

    async encode(request, onProgress) {
      const t0 = now();
      const { format, encoder: choice } = request;
      if (!VIDEO_FORMATS.includes(format)) throw appError('bad-input', `Unknown video format "${String(format)}"; choose MP4, WebM, GIF or PNG frames.`);
      if (!ENCODER_CHOICES.includes(choice)) throw appError('bad-input', `Unknown encoder "${String(choice)}"; choose Auto, WebCodecs or ffmpeg.`);
      const needsProbe = choice !== 'ffmpeg' && (format === 'mp4' || format === 'webm');
      const support = needsProbe ? await probe(request.width, request.height, request.fps) : NO_WEBCODECS;
      const decision = chooseEncoder(format, choice, support);
      if (decision.encoder === null) throw appError('bad-input', decision.reason);
      if (decision.encoder === 'ffmpeg') return viaFfmpeg(request, format, decision.reason, onProgress, t0);
      try {
        const bytes = await webcodecs(request, decision.codecString, decision.container, onProgress);
        const files = FORMAT_FILES[format];
        return { bytes, ...files, encoder: 'webcodecs', codec: decision.codecString, reason: decision.reason, ms: now() - t0 };
      } catch (e) {
        const failed = e instanceof AppErrorException && e.appError.code === 'encode-failed';
        if (choice !== 'auto' || !failed) throw e;
        const detail = e.appError.detail ?? e.message;
        return viaFfmpeg(request, format, `auto: WebCodecs (${decision.codecString}) failed while encoding (${detail}); used ffmpeg.wasm`, onProgress, t0);
      }
    },
  };
}
