import type { ProgressCallback } from './progress';

export interface EncodeRequest {
  frames: Uint8ClampedArray[]; // RGBA, width*height*4 each
  width: number;
  height: number;
  fps: number;
}

export interface EncodeResult {
  mp4: Uint8Array;
  mimeType: 'video/mp4';
  ms: number;
}

/** What the user downloads: H.264 MP4, WebM (VP9 with WebCodecs, VP8 with ffmpeg), GIF, or a zip of PNG frames. */
export type VideoFormat = 'mp4' | 'webm' | 'gif' | 'png-zip';
export const VIDEO_FORMATS: readonly VideoFormat[] = ['mp4', 'webm', 'gif', 'png-zip'];

/** Which encoder: 'auto' = WebCodecs when this browser can encode the format, ffmpeg.wasm otherwise. */
export type EncoderChoice = 'auto' | 'webcodecs' | 'ffmpeg';
export const ENCODER_CHOICES: readonly EncoderChoice[] = ['auto', 'webcodecs', 'ffmpeg'];

export type EncoderName = 'webcodecs' | 'ffmpeg';

export const FORMAT_FILES: Record<VideoFormat, { mimeType: string; extension: string }> = {
  mp4: { mimeType: 'video/mp4', extension: 'mp4' },
  webm: { mimeType: 'video/webm', extension: 'webm' },
  gif: { mimeType: 'image/gif', extension: 'gif' },
  'png-zip': { mimeType: 'application/zip', extension: 'zip' },
};

export interface VideoEncodeRequest extends EncodeRequest {
  format: VideoFormat;
  encoder: EncoderChoice;
}

export interface VideoEncodeResult {
  bytes: Uint8Array;
  /** e.g. 'video/mp4', 'video/webm', 'image/gif', 'application/zip'. */
  mimeType: string;
  /** File extension without the dot: 'mp4', 'webm', 'gif', 'zip'. */
  extension: string;
  /** The encoder that made the bytes. */
  encoder: EncoderName;
  /** The codec inside: 'avc1.42001f', 'vp09.00.10.08', 'libx264', 'libvpx', 'gif', 'png'. */
  codec: string;
  /** Why this encoder, in words (e.g. "auto: this browser's WebCodecs cannot encode VP9; used ffmpeg.wasm"). */
  reason: string;
  /** Encode time in the worker, frames in to bytes out. */
  ms: number;
}

/** The encoder worker's API: WebCodecs (via mediabunny) or ffmpeg.wasm (self-hosted core). */
export interface EncoderApi {
  /** H.264 yuv420p MP4 with ffmpeg.wasm (kept for existing callers). */
  encodeMp4(request: EncodeRequest, onProgress: ProgressCallback): Promise<EncodeResult>;
  /** Any format, with the chosen (or automatically picked) encoder. */
  encode(request: VideoEncodeRequest, onProgress: ProgressCallback): Promise<VideoEncodeResult>;
}
