/**
 * Encoder worker entry: ffmpeg.wasm behind the EncoderApi contract (src/rpc/encoderApi.ts).
 *
 * Thin on purpose: the encoder lives in src/video/ffmpegEncoder.ts and loads ffmpeg lazily on the
 * first call, so importing this module does nothing but `expose`. Two things happen at the
 * boundary: the MP4's buffer is transferred (not copied) back, and errors are thrown as plain
 * AppError data (`{code, message, detail}`), because comlink reduces a thrown Error to its message
 * and the `code` would be lost.
 */
import * as Comlink from 'comlink';
import type { EncoderApi } from '../src/rpc/encoderApi';
import { toAppError } from '../src/rpc/errors';
import { createFfmpegEncoder } from '../src/video/ffmpegEncoder';

const encoder = createFfmpegEncoder();

const api = {
  async encodeMp4(request, onProgress) {
    try {
      const result = await encoder.encodeMp4(request, onProgress);
      return Comlink.transfer(result, [result.mp4.buffer]);
    } catch (e) {
      throw toAppError(e, 'encode-failed');
    }
  },
} satisfies EncoderApi;

Comlink.expose(api);
