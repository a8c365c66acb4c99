/**
 * Encoder worker entry: WebCodecs (+ mediabunny) and ffmpeg.wasm behind the EncoderApi contract
 * (src/rpc/encoderApi.ts).
 *
 * Thin on purpose: src/video/videoEncoder.ts picks the encoder per request, ffmpeg loads lazily on
 * its first use, so importing this module does nothing but `expose`. Two things happen at the
 * boundary: the output's buffer is transferred (not copied) back, and errors are thrown as plain
 * AppError data (`{code, message, detail}`), because comlink reduces a thrown Error to its message
 * and the `code` would be lost.
 */
import * as Comlink from 'comlink';
import type { EncoderApi } from '../src/rpc/encoderApi';
import { toAppError } from '../src/rpc/errors';
import { createFfmpegEncoder } from '../src/video/ffmpegEncoder';
import { createVideoEncoder } from '../src/video/videoEncoder';

const encoder = createVideoEncoder({ ffmpeg: createFfmpegEncoder() });

const api = {
  async encodeMp4(request, onProgress) {
    try {
      const result = await encoder.encodeMp4(request, onProgress);
      return Comlink.transfer(result, [result.mp4.buffer]);
    } catch (e) {
      throw toAppError(e, 'encode-failed');
    }
  },
  async encode(request, onProgress) {
    try {
      const result = await encoder.encode(request, onProgress);
      return Comlink.transfer(result, [result.bytes.buffer]);
    } catch (e) {
      throw toAppError(e, 'encode-failed');
    }
  },
} satisfies EncoderApi;

Comlink.expose(api);
