import type { PackSummary } from '../rpc/generatorApi';
import type { AppDeps, GetState, PackState, SetState, StoreInternals } from './appStore';
import { packMaxEdge, summarizeManifest } from './backend';
import { isBusy } from './progress';
import { settingsFromPack, type Settings } from './settings';
import { defaultSizeForImage } from './size';

export interface PackSlice extends PackState {
  /** Once at startup: guess the backend and read the pack manifest for its defaults. */
  init(): Promise<void>;
  /** Record a pack summary; the first time a pack is seen its defaults seed the settings. */
  applyPack(pack: PackSummary): void;
}

export function createPackSlice(set: SetState, get: GetState, deps: AppDeps, internals: StoreInternals): PackSlice {
  let started = false;
  return {
    pack: null,
    packStatus: 'unknown',
    packProblem: null,
    backend: null,
    backendProbe: null,
    async init() {
      if (started) return;
      started = true;
      const probe = deps
        .probeBackend()
        .then((backendProbe) => set({ backendProbe }))
        .catch(() => set({ backendProbe: { backend: 'wasm', reason: 'WebGPU could not be probed' } }));
      set({ packStatus: 'loading' });
      try {
        const summary = summarizeManifest(await deps.fetchJson(deps.manifestUrl()));
        if (!summary) throw new Error('the manifest has no id or defaults');
        get().applyPack(summary);
      } catch (e) {
        if (get().packStatus !== 'ready') {
          set({ packStatus: 'error', packProblem: e instanceof Error ? e.message : String(e) });
        }
      }
      await probe;
    },
    applyPack(pack) {
      const s = get();
      const update: Partial<PackState> & { settings?: Settings; settingsFromPackId?: string } = {
        pack,
        packStatus: 'ready',
        packProblem: null,
      };
      if (s.settingsFromPackId !== pack.id && !isBusy(s.job.status)) {
        const seeded = settingsFromPack(pack.defaults, s.settings);
        if (s.image) Object.assign(seeded, defaultSizeForImage(s.image.width, s.image.height, packMaxEdge(pack.defaults)));
        const settings = { ...seeded };
        // What the user already changed this session wins over late-arriving defaults.
        for (const key of internals.touched) (settings as unknown as Record<string, unknown>)[key] = (s.settings as unknown as Record<string, unknown>)[key];
        update.settings = settings;
        update.settingsFromPackId = pack.id;
      }
      set(update);
    },
  };
}
