/**
 * Test-only hooks: lets Playwright drive the encoder worker and the MP4 verifier without UI.
 *
 *   window.__musevTest.encodeMp4({frames, width, height, fps}, onProgress?) -> EncodeResult
 *   window.__musevTest.inspectMp4(mp4Bytes) -> Mp4Info (frames that decode, fps, size, codec)
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
import type { EncodeRequest, EncodeResult } from '../rpc/encoderApi';
import type { ProgressCallback } from '../rpc/progress';
import { inspectMp4, type InspectOptions, type Mp4Info } from './inspectMp4';

export interface VideoTestHooks {
  encodeMp4(request: EncodeRequest, onProgress?: ProgressCallback): Promise<EncodeResult>;
  inspectMp4(bytes: Uint8Array | ArrayBuffer, options?: InspectOptions): Promise<Mp4Info>;
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
  };
  window.__musevTest = hooks;
  return hooks;
}
