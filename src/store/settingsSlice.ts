import type { AppDeps, GetState, SetState, StoreInternals } from './appStore';
import { packMaxEdge } from './backend';
import { BUILTIN_DEFAULTS, randomSeed, settingsFromPack, type Settings, type SettingKey } from './settings';
import { defaultSizeForImage } from './size';

export interface SettingsSlice {
  settings: Settings;
  /** The pack whose defaults seeded `settings` (persisted; a new pack re-seeds them). */
  settingsFromPackId: string | null;
  setSetting<K extends SettingKey>(key: K, value: Settings[K]): void;
  /** Back to the pack's defaults (or built-in ones), size from the image; prompt, seed and backend kept. */
  resetSettings(): void;
  /** A new random seed (the dice button). */
  rollSeed(): void;
}

export function createSettingsSlice(set: SetState, get: GetState, deps: AppDeps, internals: StoreInternals): SettingsSlice {
  return {
    settings: BUILTIN_DEFAULTS,
    settingsFromPackId: null,
    setSetting(key, value) {
      internals.touched.add(key);
      set((s) => ({ settings: { ...s.settings, [key]: value } }));
    },
    resetSettings() {
      const { pack, image, settings } = get();
      const base = pack ? settingsFromPack(pack.defaults, settings) : { ...BUILTIN_DEFAULTS, prompt: settings.prompt, seed: settings.seed, backend: settings.backend };
      const size = image ? defaultSizeForImage(image.width, image.height, packMaxEdge(pack?.defaults ?? BUILTIN_DEFAULTS)) : {};
      internals.touched.clear();
      set({ settings: { ...base, ...size } });
    },
    rollSeed() {
      internals.touched.add('seed');
      set((s) => ({ settings: { ...s.settings, seed: randomSeed(deps.random) } }));
    },
  };
}
