import * as Comlink from 'comlink';
import type { PackFacts, PackProgressCallback, PacksApi, StorageEstimate, StoredPack } from '../rpc/packsApi';
import { CANCELLED } from './normalizeError';
import { WorkerConnection, type WorkerLike } from './workerConnection';

/** Main-thread handle on the packs worker (downloads, imports, OPFS). */
export interface PacksClient {
  list(): Promise<StoredPack[]>;
  inspect(manifestUrl: string): Promise<PackFacts>;
  /** An installed pack's manifest.json (parsed), read from OPFS. */
  readManifest(packId: string): Promise<unknown>;
  /** Asks the browser to keep the site's storage (navigator.storage.persist), then downloads or resumes. */
  download(manifestUrl: string, onProgress: PackProgressCallback): Promise<StoredPack>;
  importFiles(files: { path: string; file: Blob }[], onProgress: PackProgressCallback): Promise<StoredPack>;
  remove(packId: string): Promise<void>;
  estimate(): Promise<StorageEstimate>;
  /** Stop a download or import at once (terminates the worker); the bytes written stay for a resume. */
  abort(): boolean;
  readonly busy: boolean;
}

function spawnPacksWorker(): WorkerLike {
  return new Worker(new URL('../../workers/packs.worker.ts', import.meta.url), { type: 'module', name: 'musev-packs' });
}

/** persist() exists on the main thread only; a refusal is not an error (the download still runs). */
async function askPersistence(): Promise<void> {
  try {
    await globalThis.navigator?.storage?.persist?.();
  } catch {
    // the browser said no; storage may be evicted under pressure
  }
}

export function createPacksClient(spawn: () => WorkerLike = spawnPacksWorker, persist = askPersistence): PacksClient {
  const conn = new WorkerConnection<PacksApi>(spawn, 'packs worker');
  return {
    list: () => conn.call((api) => api.list()),
    readManifest: (id) => conn.call((api) => api.readManifest(id), 'pack-missing'),
    inspect: (url) => conn.call((api) => api.inspect(url), 'download-failed'),
    async download(url, onProgress) {
      await persist();
      return conn.call((api) => api.download(url, Comlink.proxy(onProgress)), 'download-failed');
    },
    importFiles: (files, onProgress) => conn.call((api) => api.importFiles(files, Comlink.proxy(onProgress)), 'pack-corrupt'),
    remove: (id) => conn.call((api) => api.remove(id)),
    estimate: () => conn.call((api) => api.estimate()),
    abort: () => (conn.busy ? conn.terminate(CANCELLED) : false),
    get busy() {
      return conn.busy;
    },
  };
}

let shared: PacksClient | null = null;
export function getPacksClient(): PacksClient {
  shared ??= createPacksClient();
  return shared;
}
