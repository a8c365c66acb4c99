import type { AppDeps, GetState, SetState, StoreInternals } from './appStore';
import { packMaxEdge } from './backend';
import { applyPresetValues, presetById, type PresetId } from './presets';
import { BUILTIN_DEFAULTS, randomSeed, settingsFromPack, type Settings, type SettingKey } from './settings';
import { defaultSizeForImage } from './size';

export interface SettingsSlice {
  settings: Settings;
  /** The pack whose defaults seeded `settings` (persisted; a new pack re-seeds them). */
  settingsFromPackId: string | null;
  setSetting<K extends SettingKey>(key: K, value: Settings[K]): void;
  /**
   * Back to the pack's defaults (or built-in ones), size from the image; prompt, seed, backend, video
   * format and encoder, and the first-frame mode (how the image is used) kept.
   */
  resetSettings(): void;
  /** Set the fields a preset lists (never image, prompt, seed, backend, size, first-frame mode). */
  applyPreset(id: PresetId): void;
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
      const kept: Settings = { ...BUILTIN_DEFAULTS, prompt: settings.prompt, seed: settings.seed, backend: settings.backend, videoFormat: settings.videoFormat, videoEncoder: settings.videoEncoder, memoryBudgetGiB: settings.memoryBudgetGiB, firstFrame: settings.firstFrame };
      const base = pack ? settingsFromPack(pack.defaults, kept) : kept;
      const size = image ? defaultSizeForImage(image.width, image.height, packMaxEdge(pack?.defaults ?? BUILTIN_DEFAULTS)) : {};
      internals.touched.clear();
      set({ settings: { ...base, ...size } });
    },
    applyPreset(id) {
      for (const key of Object.keys(presetById(id).values)) internals.touched.add(key);
      set((s) => ({ settings: applyPresetValues(s.settings, id) }));
    },
    rollSeed() {
      internals.touched.add('seed');
      set((s) => ({ settings: { ...s.settings, seed: randomSeed(deps.random) } }));
    },
  };
}
