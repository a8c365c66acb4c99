import * as Comlink from 'comlink';
import type { EncodeRequest, EncodeResult, EncoderApi, VideoEncodeRequest, VideoEncodeResult } from '../rpc/encoderApi';
import type { ProgressCallback } from '../rpc/progress';
import { CANCELLED } from './normalizeError';
import { WorkerConnection, transferablesOf, type WorkerLike } from './workerConnection';

/** Main-thread handle on the encoder worker (WebCodecs or ffmpeg.wasm). */
export interface EncoderClient {
  /** Encode RGBA frames to MP4 with ffmpeg. The frames' buffers are transferred (detached here). */
  encodeMp4(request: EncodeRequest, onProgress: ProgressCallback): Promise<EncodeResult>;
  /** Encode RGBA frames to a format with the chosen encoder. The frames' buffers are transferred. */
  encode(request: VideoEncodeRequest, onProgress: ProgressCallback): Promise<VideoEncodeResult>;
  /** Stop at once when an encode is running (terminate the worker); idle workers are kept. */
  abort(): boolean;
  readonly busy: boolean;
}

function spawnEncoderWorker(): WorkerLike {
  return new Worker(new URL('../../workers/encoder.worker.ts', import.meta.url), {
    type: 'module',
    name: 'musev-encoder',
  });
}

export function createEncoderClient(spawn: () => WorkerLike = spawnEncoderWorker): EncoderClient {
  const conn = new WorkerConnection<EncoderApi>(spawn, 'video encoder worker');
  return {
    encodeMp4(request, onProgress) {
      const sent = Comlink.transfer(request, transferablesOf(request.frames));
      return conn.call((api) => api.encodeMp4(sent, Comlink.proxy(onProgress)), 'encode-failed');
    },
    encode(request, onProgress) {
      const sent = Comlink.transfer(request, transferablesOf(request.frames));
      return conn.call((api) => api.encode(sent, Comlink.proxy(onProgress)), 'encode-failed');
    },
    abort() {
      return conn.busy ? conn.terminate(CANCELLED) : false;
    },
    get busy() {
      return conn.busy;
    },
  };
}

let shared: EncoderClient | null = null;
export function getEncoderClient(): EncoderClient {
  shared ??= createEncoderClient();
  return shared;
}
