/// <reference lib="webworker" />
/**
 * Packs worker: downloads model packs into OPFS (resumable, sha256-checked), imports them from
 * local files, lists and deletes them. Exposes PacksApi with comlink; the generator worker reads
 * the installed files (src/runtime/opfsPackSource.ts).
 */
import * as Comlink from 'comlink';
import { opfsStorage } from '../src/packs/opfsStorage';
import { createPacksService } from '../src/packs/packsService';

Comlink.expose(
  createPacksService({
    storage: opfsStorage(),
    fetchFn: (input, init) => fetch(input, init),
    now: () => performance.now(),
    async estimateStorage() {
      const e = await navigator.storage.estimate();
      const persisted = (await navigator.storage.persisted?.()) ?? false;
      return { usage: e.usage ?? 0, quota: e.quota ?? 0, persisted };
    },
  }),
);
