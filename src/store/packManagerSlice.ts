/**
 * The pack manager: the catalog's rows (packCatalog.ts) with their installed state in OPFS, one
 * download or import at a time through the packs worker, storage estimate, base URL and custom
 * pack URLs (persisted). Errors stay on their row (`packErrors`), not in the app's error banner.
 */
import { normalizeWorkerError } from '../clients/normalizeError';
import type { AppError } from '../rpc/errors';
import type { PackFacts, StorageEstimate, StoredPack } from '../rpc/packsApi';
import type { AppDeps, GetState, SetState } from './appStore';
import { DEFAULT_PACK_BASE_URL, DEFAULT_PACK_PATH, httpUrl, storedPackIdOf } from './packCatalog';
import { reducePackTask, startTask, type PackTask } from './packTask';

export interface PackManagerSlice {
  installedPacks: StoredPack[];
  /** Manifest facts by manifest URL (size, GPU features, memory), or why the manifest could not be read. */
  packFacts: Record<string, PackFacts | { problem: string }>;
  packTask: PackTask | null;
  /** The last error of each row (by row key). */
  packErrors: Record<string, AppError>;
  storageEstimate: StorageEstimate | null;
  /** Base URL of the MuseV family packs (persisted). */
  packBaseUrl: string;
  /** Manifest URLs the user added (persisted). */
  customPackUrls: string[];
  /** Re-read the installed packs and the storage estimate. */
  refreshPacks(): Promise<void>;
  /** Read a manifest's facts once (size, GPU features, memory estimate). */
  inspectPack(manifestUrl: string): Promise<void>;
  /** Download or resume the pack at `manifestUrl` into OPFS. */
  downloadPack(manifestUrl: string): Promise<void>;
  /** Install a pack from local files (a pack folder); `path` is relative to the picked/dropped folder. */
  importPack(files: { path: string; file: Blob }[]): Promise<void>;
  /** Stop the running download/import; written bytes stay for a resume. */
  cancelPackTask(): void;
  removePack(packId: string): Promise<void>;
  /** Add a pack by manifest URL; returns a problem in words, or null. */
  addPackUrl(text: string): string | null;
  /** Set the family packs' base URL; returns a problem in words, or null. */
  setPackBaseUrl(text: string): string | null;
}

export function createPackManagerSlice(set: SetState, get: GetState, deps: AppDeps): PackManagerSlice {
  const client = deps.packs;
  let taskId = 0;

  const run = async (key: string, kind: PackTask['kind'], work: (onProgress: Parameters<NonNullable<AppDeps['packs']>['download']>[1]) => Promise<StoredPack>) => {
    if (!client || get().packTask) return;
    const id = ++taskId;
    const { [key]: _old, ...errors } = get().packErrors;
    set({ packTask: startTask(key, kind), packErrors: errors });
    try {
      await work((e) => {
        if (id === taskId) set((s) => ({ packTask: s.packTask && reducePackTask(s.packTask, e) }));
      });
    } catch (e) {
      const error = normalizeWorkerError(e, 'download-failed');
      if (id === taskId && error.code !== 'cancelled') set((s) => ({ packErrors: { ...s.packErrors, [key]: error } }));
    } finally {
      if (id === taskId) set({ packTask: null });
      await get().refreshPacks();
    }
  };

  return {
    installedPacks: [],
    packFacts: {},
    packTask: null,
    packErrors: {},
    storageEstimate: null,
    packBaseUrl: DEFAULT_PACK_BASE_URL,
    customPackUrls: [],

    async refreshPacks() {
      if (!client) return;
      try {
        const [installedPacks, storageEstimate] = await Promise.all([client.list(), client.estimate()]);
        set({ installedPacks, storageEstimate });
      } catch {
        // OPFS unavailable (private mode, old browser): the manager shows no installed packs
      }
    },

    async inspectPack(manifestUrl) {
      if (!client || get().packFacts[manifestUrl]) return;
      set((s) => ({ packFacts: { ...s.packFacts, [manifestUrl]: { problem: 'reading…' } } }));
      let facts: PackFacts | { problem: string };
      try {
        facts = await client.inspect(manifestUrl);
      } catch (e) {
        facts = { problem: normalizeWorkerError(e, 'download-failed').message };
      }
      set((s) => ({ packFacts: { ...s.packFacts, [manifestUrl]: facts } }));
    },

    downloadPack: (manifestUrl) => run(manifestUrl, 'download', (p) => client!.download(manifestUrl, p)),
    importPack: (files) => run('import', 'import', (p) => client!.importFiles(files, p)),

    cancelPackTask() {
      if (!get().packTask) return;
      taskId++;
      client?.abort();
      set({ packTask: null });
      void get().refreshPacks();
    },

    async removePack(packId) {
      if (!client || get().packTask) return;
      if (storedPackIdOf(get().packPath) === packId) await get().choosePack(DEFAULT_PACK_PATH);
      try {
        await client.remove(packId);
      } catch (e) {
        set((s) => ({ packErrors: { ...s.packErrors, [`opfs:${packId}`]: normalizeWorkerError(e, 'internal') } }));
      }
      await get().refreshPacks();
    },

    addPackUrl(text) {
      const url = httpUrl(text);
      if (!url) return 'Enter the full http(s) address of a pack manifest (…/manifest.json).';
      if (!get().customPackUrls.includes(url)) set((s) => ({ customPackUrls: [...s.customPackUrls, url] }));
      void get().inspectPack(url);
      return null;
    },

    setPackBaseUrl(text) {
      const url = httpUrl(text);
      if (!url) return 'Enter the full http(s) address of the folder holding the packs.';
      set({ packBaseUrl: url });
      return null;
    },
  };
}
