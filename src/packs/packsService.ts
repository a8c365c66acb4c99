/**
 * The PacksApi implementation over a PackStorage (OPFS in workers/packs.worker.ts, memory in tests):
 * list installed packs with their state, download, import, remove.
 */
import type { PacksApi, StoredPack } from '../rpc/packsApi';
import { appError, toAppError } from '../rpc/errors';
import { readText } from './storage';
import { downloadPack, fetchManifestText, type DownloadDeps } from './download/downloadPack';
import { importPack } from './download/importPack';
import { describeStored, parseManifest, readRecord, readStoredManifest } from './download/packRecord';
import { packFacts } from './packInfo';

export interface PacksServiceDeps extends DownloadDeps {
  estimateStorage(): Promise<{ usage: number; quota: number; persisted: boolean }>;
}

async function rethrowPlain<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toAppError(e, 'download-failed');
  }
}

export function createPacksService(deps: PacksServiceDeps): PacksApi {
  const install = { ...deps, estimate: deps.estimateStorage };
  return {
    list: () =>
      rethrowPlain(async () => {
        const out: StoredPack[] = [];
        for (const id of await deps.storage.list()) {
          const dir = await deps.storage.dir(id, false);
          const manifest = dir && (await readStoredManifest(dir));
          const record = dir && (await readRecord(dir));
          if (dir && manifest && record) out.push(await describeStored(dir, manifest, record));
        }
        return out;
      }),
    readManifest: (packId) =>
      rethrowPlain(async () => {
        const dir = await deps.storage.dir(packId, false);
        const text = dir && (await readText(dir, 'manifest.json'));
        if (!text) throw appError('pack-missing', `The model pack "${packId}" is not installed in this browser (its storage may have been cleared). Download or import it in the pack manager.`);
        return JSON.parse(text) as unknown;
      }),
    inspect: (manifestUrl) => rethrowPlain(async () => packFacts(parseManifest(await fetchManifestText(deps.fetchFn, manifestUrl), manifestUrl))),
    download: (manifestUrl, onProgress) => rethrowPlain(() => downloadPack(install, manifestUrl, onProgress)),
    importFiles: (files, onProgress) => rethrowPlain(() => importPack(install, files, onProgress)),
    remove: (packId) => rethrowPlain(() => deps.storage.remove(packId)),
    estimate: () => rethrowPlain(() => deps.estimateStorage()),
  };
}
