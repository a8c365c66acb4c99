/**
 * Test-only hooks: lets Playwright drive the encoder worker and the MP4 verifier without UI.
 *
 *   window.__musevTest.encodeMp4({frames, width, height, fps}, onProgress?) -> EncodeResult
 *   window.__musevTest.inspectMp4(mp4Bytes) -> Mp4Info (frames that decode, fps, size, codec)
 *   window.__musevTest.encode({frames, width, height, fps, format, encoder}, onProgress?) -> VideoEncodeResult
 *   window.__musevTest.inspectMp4(webmBytes) works for WebM too (mediabunny reads both)
 *   window.__musevTest.inspectGif(gifBytes) / inspectPngZip(zipBytes) -> frames that decode, size
 *   window.__musevTest.probeWebCodecs(width, height, fps) -> the H.264 / VP9 codec strings this browser encodes
 *
 * Installed by the e2e harness page (e2e/harness.html), and by the app when the URL has `e2e=1`:
 *   if (location.search.includes('e2e=1')) void import('./video/testHooks').then((m) => m.installVideoTestHooks());
 * (a dynamic import, so the hooks stay out of the main chunk).
 *
 * encodeMp4 goes through the same path as the app: src/clients/encoderClient -> comlink ->
 * workers/encoder.worker.ts -> ffmpeg.wasm. Note the client TRANSFERS the frames' buffers: the
 * caller's arrays are empty afterwards.
 */
import { createEncoderClient } from '../clients/encoderClient';
import type { EncodeRequest, EncodeResult, VideoEncodeRequest, VideoEncodeResult } from '../rpc/encoderApi';
import type { ProgressCallback } from '../rpc/progress';
import type { WebCodecsSupport } from './chooseEncoder';
import { inspectGif, inspectPngZip, type ImagesInfo } from './inspectImages';
import { inspectMp4, type InspectOptions, type Mp4Info } from './inspectMp4';
import { probeWebCodecs } from './webcodecsEncoder';

export interface VideoTestHooks {
  encodeMp4(request: EncodeRequest, onProgress?: ProgressCallback): Promise<EncodeResult>;
  inspectMp4(bytes: Uint8Array | ArrayBuffer, options?: InspectOptions): Promise<Mp4Info>;
  encode(request: VideoEncodeRequest, onProgress?: ProgressCallback): Promise<VideoEncodeResult>;
  inspectGif(bytes: Uint8Array): Promise<ImagesInfo>;
  inspectPngZip(bytes: Uint8Array): Promise<ImagesInfo>;
  probeWebCodecs(width: number, height: number, fps: number): Promise<WebCodecsSupport>;
}

declare global {
  interface Window {
    __musevTest?: VideoTestHooks;
  }
}

export function installVideoTestHooks(): VideoTestHooks {
  if (window.__musevTest) return window.__musevTest;
  const encoder = createEncoderClient();
  const hooks: VideoTestHooks = {
    encodeMp4: (request, onProgress = () => undefined) => encoder.encodeMp4(request, onProgress),
    inspectMp4,
    encode: (request, onProgress = () => undefined) => encoder.encode(request, onProgress),
    inspectGif,
    inspectPngZip,
    probeWebCodecs: (width, height, fps) => probeWebCodecs(width, height, fps),
  };
  window.__musevTest = hooks;
  return hooks;
}
