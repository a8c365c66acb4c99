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
import type { AppError } from '../rpc/errors';
import type { ProgressCallback } from '../rpc/progress';
import { CANCELLED } from './normalizeError';
import { WorkerConnection, type WorkerLike } from './workerConnection';

export type LoadedPack = { pack: PackSummary; backend: BackendInfo };
export type GenerateOutput = GenerateResult & { frames: Uint8ClampedArray[] };

/** Main-thread handle on the generator worker. */
export interface GeneratorClient {
  /** Load the pack unless this worker already has it (same URL and options); cached until abort. */
  ensurePack(manifestUrl: string, options: LoadOptions, onProgress: ProgressCallback): Promise<LoadedPack>;
  /**
   * Run one generation. The request's image buffers are transferred (detached here). When the GPU
   * device is lost mid-run ('device-lost'), the worker is restarted (a new device), the pack loaded
   * again and the run resumed from its last completed step, up to MAX_RESUMES times; the user is
   * told through `onProgress`.
   */
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

/** Restarts after a lost GPU device within one generate call. */
export const MAX_RESUMES = 2;

export function createGeneratorClient(spawn: () => WorkerLike = spawnGeneratorWorker): GeneratorClient {
  const conn = new WorkerConnection<GeneratorApi>(spawn, 'generator worker');
  let cache: { key: string; promise: Promise<LoadedPack> } | null = null;
  let lastLoad: { manifestUrl: string; options: LoadOptions } | null = null;
  let aborts = 0; // abort() between a lost device and the restart must not restart
  // A terminated worker has lost its sessions: the next generate must load the pack again.
  conn.onTeardown(() => {
    cache = null;
  });

  const client: GeneratorClient = {
    ensurePack(manifestUrl, options, onProgress) {
      lastLoad = { manifestUrl, options };
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
    async generate(request, onProgress) {
      // The images again for a resumed run: the first send detaches them.
      const copy = { ...request, ...copiedImages(request) };
      const epoch = aborts;
      for (let resumes = 0; ; resumes++) {
        const sent = resumes === 0 ? request : { ...copy, ...copiedImages(copy) };
        try {
          return await conn.call((api) => api.generate(Comlink.transfer(sent, transferableImage(sent)), Comlink.proxy(onProgress)), 'inference-failed');
        } catch (e) {
          const error = e as AppError;
          if (error.code !== 'device-lost' || resumes >= MAX_RESUMES || !lastLoad) throw e;
          if (aborts !== epoch) throw CANCELLED;
          onProgress({ type: 'log', level: 'warn', message: `The GPU device was lost; restarting the generator on a new device (${resumes + 1} of ${MAX_RESUMES}).` });
          conn.terminate(error); // the lost device's sessions are dead: a fresh worker makes a new device
          await client.ensurePack(lastLoad.manifestUrl, lastLoad.options, onProgress);
          copy.resume = error.resume;
        }
      }
    },
    checkBackendParity() {
      return conn.call((api) => api.checkBackendParity(), 'inference-failed');
    },
    abort() {
      aborts++;
      return conn.busy ? conn.terminate(CANCELLED) : false;
    },
    get busy() {
      return conn.busy;
    },
  };
  return client;
}

const IMAGE_FIELDS = ['image', 'referImage', 'ipAdapterImage', 'faceImage'] as const;

/** Copies of the request's images (their buffers are transferred, and so detached, on send). */
function copiedImages(request: GenerateRequest): Partial<GenerateRequest> {
  const out: Partial<GenerateRequest> = {};
  for (const f of IMAGE_FIELDS) {
    const img = request[f];
    if (img) out[f] = { ...img, rgba: img.rgba.slice() };
  }
  return out;
}

/** The request's pixel buffers, transferred (not copied) to the worker; distinct buffers only. */
function transferableImage(request: GenerateRequest): Transferable[] {
  const buffers = new Set<ArrayBuffer>();
  for (const img of IMAGE_FIELDS.map((f) => request[f])) {
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
