import type { PackSummary } from '../rpc/generatorApi';
import type { AppDeps, GetState, PackState, SetState, StoreInternals } from './appStore';
import { packMaxEdge, summarizeManifest } from './backend';
import { DEFAULT_PACK_PATH, isCatalogPath, PACK_CATALOG, storedPackIdOf, type PackAvailability } from './packCatalog';
import { featuresOfManifest, packFeatures, type PackFeatures } from './packFeatures';
import { isBusy } from './progress';
import { settingsFromPack, type Settings } from './settings';
import { defaultSizeForImage } from './size';

export interface PackSlice extends PackState {
  /**
   * The chosen pack (persisted): a bundled pack's manifest path, or `opfs:<packId>` for a pack
   * installed in the pack manager (read from OPFS). Generate and Check GPU load this one.
   */
  packPath: string;
  /** What the current pack can do (from its manifest); null until read. */
  packFeatures: PackFeatures | null;
  /** Which catalog packs have a readable manifest (read once at startup). */
  packAvailability: Record<string, PackAvailability>;
  /** Once at startup: guess the backend, look at every catalog pack, read the chosen one's defaults. */
  init(): Promise<void>;
  /**
   * Choose another catalog pack: read its manifest for defaults and features now; the worker loads
   * it on the next Generate. No-op while a job runs, for unknown or missing packs.
   */
  choosePack(path: string): Promise<void>;
  /** Record a pack summary; the first time a pack is seen its defaults seed the settings. */
  applyPack(pack: PackSummary, features?: PackFeatures | null): void;
}

type Read = { summary: PackSummary; features: PackFeatures | null } | { problem: string };

async function readManifest(deps: AppDeps, path: string): Promise<Read> {
  try {
    const json = await deps.fetchJson(deps.manifestUrl(path));
    const summary = summarizeManifest(json);
    if (!summary) return { problem: 'the manifest has no id or defaults' };
    return { summary, features: featuresOfManifest(json) };
  } catch (e) {
    return { problem: e instanceof Error ? e.message : String(e) };
  }
}

export function createPackSlice(set: SetState, get: GetState, deps: AppDeps, internals: StoreInternals): PackSlice {
  let started = false;
  let reading = 0; // id of the manifest read whose answer still counts

  /** Read `path`'s manifest and make it the current pack (or say why not). */
  const readChosen = async (path: string, known?: Read) => {
    const mine = ++reading;
    set({ packStatus: 'loading' });
    const read = known ?? (await readManifest(deps, path));
    if (mine !== reading || get().packPath !== path) return;
    if ('problem' in read) {
      // A pack the worker loaded meanwhile (Generate) stays; otherwise the old pack's info goes.
      if (get().packStatus !== 'ready') set({ packStatus: 'error', packProblem: read.problem, pack: null, packFeatures: null });
      return;
    }
    get().applyPack(read.summary, read.features);
  };

  return {
    pack: null,
    packStatus: 'unknown',
    packProblem: null,
    backend: null,
    backendProbe: null,
    packPath: DEFAULT_PACK_PATH,
    packFeatures: null,
    packAvailability: Object.fromEntries(PACK_CATALOG.map((p) => [p.path, 'unknown' as const])),

    async init() {
      if (started) return;
      started = true;
      const probe = deps
        .probeBackend()
        .then((backendProbe) => set({ backendProbe }))
        .catch(() => set({ backendProbe: { backend: 'wasm', reason: 'WebGPU could not be probed' } }));
      set({ packStatus: 'loading' });
      const reads = await Promise.all(PACK_CATALOG.map((p) => readManifest(deps, p.path)));
      const byPath = new Map(PACK_CATALOG.map((p, i) => [p.path, reads[i]]));
      set({ packAvailability: Object.fromEntries(PACK_CATALOG.map((p) => [p.path, 'problem' in byPath.get(p.path)! ? 'missing' : 'installed'])) });
      // An installed pack (opfs:<id>) is read from OPFS; a stored choice whose pack is gone falls back to the default pack.
      let path = get().packPath;
      let read = byPath.get(path) ?? (storedPackIdOf(path) !== null ? await readManifest(deps, path) : undefined);
      if (read === undefined || ('problem' in read && path !== DEFAULT_PACK_PATH)) {
        path = DEFAULT_PACK_PATH;
        read = byPath.get(path);
        set({ packPath: path });
      }
      await readChosen(path, read);
      await probe;
    },

    async choosePack(path) {
      const s = get();
      if (!isCatalogPath(path) || path === s.packPath || isBusy(s.job.status) || s.gpuCheck.status === 'running') return;
      if (s.packAvailability[path] === 'missing') return;
      const stored = storedPackIdOf(path);
      if (stored !== null && !s.installedPacks.some((p) => p.id === stored && p.status === 'ready')) return;
      set({ packPath: path });
      await readChosen(path);
    },

    applyPack(pack, features) {
      const s = get();
      const known = features ?? (s.pack?.id === pack.id ? s.packFeatures : null) ?? packFeatures(pack.family, []);
      const update: Partial<PackSlice> & { settings?: Settings; settingsFromPackId?: string } = {
        pack,
        packStatus: 'ready',
        packProblem: null,
        packFeatures: known,
      };
      let settings = s.settings;
      if (s.settingsFromPackId !== pack.id && !isBusy(s.job.status)) {
        const seeded = settingsFromPack(pack.defaults, s.settings);
        if (s.image) Object.assign(seeded, defaultSizeForImage(s.image.width, s.image.height, packMaxEdge(pack.defaults)));
        settings = { ...seeded };
        // What the user already changed this session wins over late-arriving defaults.
        for (const key of internals.touched) (settings as unknown as Record<string, unknown>)[key] = (s.settings as unknown as Record<string, unknown>)[key];
        update.settingsFromPackId = pack.id;
      }
      // A pack without unet_spatial cannot make the first frame: fall back to the user's image.
      if (!known.firstFrameGeneration && settings.firstFrame !== 'image' && !isBusy(s.job.status)) settings = { ...settings, firstFrame: 'image' };
      if (settings !== s.settings) update.settings = settings;
      set(update);
    },
  };
}
