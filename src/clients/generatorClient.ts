import * as Comlink from 'comlink';
import type {
  BackendInfo,
  BackendParity,
  GenerateRequest,
  GenerateResult,
  GeneratorApi,
  LoadOptions,
  PackSummary,
} from '../rpc/generatorApi';
import type { ProgressCallback } from '../rpc/progress';
import { CANCELLED } from './normalizeError';
import { WorkerConnection, type WorkerLike } from './workerConnection';

export type LoadedPack = { pack: PackSummary; backend: BackendInfo };
export type GenerateOutput = GenerateResult & { frames: Uint8ClampedArray[] };

/** Main-thread handle on the generator worker. */
export interface GeneratorClient {
  /** Load the pack unless this worker already has it (same URL and options); cached until abort. */
  ensurePack(manifestUrl: string, options: LoadOptions, onProgress: ProgressCallback): Promise<LoadedPack>;
  /** Run one generation. The request's `image.rgba` buffer is transferred (detached here). */
  generate(request: GenerateRequest, onProgress: ProgressCallback): Promise<GenerateOutput>;
  /** GPU self-check of the loaded pack (one UNet call, WebGPU vs wasm). */
  checkBackendParity(): Promise<BackendParity>;
  /** Stop at once: terminate the worker, reject pending calls with 'cancelled', forget the pack. */
  abort(): boolean;
  readonly busy: boolean;
}

function spawnGeneratorWorker(): WorkerLike {
  return new Worker(new URL('../../workers/generator.worker.ts', import.meta.url), {
    type: 'module',
    name: 'musev-generator',
  });
}

export function createGeneratorClient(spawn: () => WorkerLike = spawnGeneratorWorker): GeneratorClient {
  const conn = new WorkerConnection<GeneratorApi>(spawn, 'generator worker');
  let cache: { key: string; promise: Promise<LoadedPack> } | null = null;
  // A terminated worker has lost its sessions: the next generate must load the pack again.
  conn.onTeardown(() => {
    cache = null;
  });

  return {
    ensurePack(manifestUrl, options, onProgress) {
      const key = `${manifestUrl}\n${options.backend ?? 'auto'}`;
      if (cache && cache.key === key) return cache.promise;
      const promise = conn.call(
        (api) => api.loadPack(manifestUrl, options, Comlink.proxy(onProgress)),
        'model-load-failed',
      );
      const entry = { key, promise };
      cache = entry;
      promise.catch(() => {
        if (cache === entry) cache = null;
      });
      return promise;
    },
    generate(request, onProgress) {
      const sent = Comlink.transfer(request, transferableImage(request));
      return conn.call((api) => api.generate(sent, Comlink.proxy(onProgress)), 'inference-failed');
    },
    checkBackendParity() {
      return conn.call((api) => api.checkBackendParity(), 'inference-failed');
    },
    abort() {
      return conn.busy ? conn.terminate(CANCELLED) : false;
    },
    get busy() {
      return conn.busy;
    },
  };
}

/** The request's pixel buffers, transferred (not copied) to the worker; distinct buffers only. */
function transferableImage(request: GenerateRequest): Transferable[] {
  const buffers = new Set<ArrayBuffer>();
  for (const img of [request.image, request.referImage, request.ipAdapterImage, request.faceImage]) {
    const buffer = img?.rgba.buffer;
    if (buffer instanceof ArrayBuffer && buffer.byteLength > 0) buffers.add(buffer);
  }
  return [...buffers];
}

let shared: GeneratorClient | null = null;
/** The app's generator client (the worker itself still starts only on first use). */
export function getGeneratorClient(): GeneratorClient {
  shared ??= createGeneratorClient();
  return shared;
}
