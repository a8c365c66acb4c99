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

/** The encoder worker's API: ffmpeg.wasm (self-hosted core), H.264 yuv420p MP4. */
export interface EncoderApi {
  encodeMp4(request: EncodeRequest, onProgress: ProgressCallback): Promise<EncodeResult>;
}
