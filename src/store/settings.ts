import type { PackDefaults } from '../packs/manifest';
import type { GenerateRequest, LoadOptions } from '../rpc/generatorApi';

/** Where the model runs: 'auto' = WebGPU when the worker gets an adapter, wasm otherwise. */
export type BackendChoice = NonNullable<LoadOptions['backend']>;
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'webgpu', 'wasm'];

export function isBackendChoice(x: unknown): x is BackendChoice {
  return typeof x === 'string' && (BACKEND_CHOICES as readonly string[]).includes(x);
}

/**
 * What the user sets for one generation (persisted; the image is not): every field of the
 * worker's GenerateRequest except the image, plus the backend preference.
 */
export interface Settings extends Omit<GenerateRequest, 'image'> {
  /** onnxruntime backend the pack is loaded on (a device preference: reset and pack defaults keep it). */
  backend: BackendChoice;
}

export type SettingKey = keyof Settings;
export type NumericSettingKey = { [K in SettingKey]: Settings[K] extends number ? K : never }[SettingKey];
export type SettingsErrors = Partial<Record<SettingKey, string>>;

/** Used until the pack's manifest tells its own defaults (MuseV's usual values). */
export const BUILTIN_DEFAULTS: Settings = {
  prompt: '',
  negativePrompt: '',
  frames: 12,
  contextFrames: 12,
  contextOverlap: 4,
  steps: 10,
  guidanceScale: 3.5,
  seed: 42,
  fps: 12,
  width: 256,
  height: 256,
  motionSpeed: 8,
  wIndNoise: 0.5,
  imgWeight: 0.001,
  backend: 'auto',
};

export const SIZE_MULTIPLE = 64;
export const MAX_SEED = 0xffffffff;

/** Limits of each numeric field: [min, max, integer?]. */
export const LIMITS: Record<NumericSettingKey, { min: number; max: number; integer: boolean }> = {
  frames: { min: 1, max: 240, integer: true },
  contextFrames: { min: 1, max: 64, integer: true },
  contextOverlap: { min: 0, max: 63, integer: true },
  steps: { min: 1, max: 100, integer: true },
  guidanceScale: { min: 0, max: 30, integer: false },
  seed: { min: 0, max: MAX_SEED, integer: true },
  fps: { min: 1, max: 60, integer: true },
  width: { min: SIZE_MULTIPLE, max: 2048, integer: true },
  height: { min: SIZE_MULTIPLE, max: 2048, integer: true },
  motionSpeed: { min: 0, max: 20, integer: false },
  wIndNoise: { min: 0, max: 1, integer: false },
  imgWeight: { min: 0, max: 1, integer: false },
};

/** Settings seeded from a pack's defaults, keeping what is the user's own (prompt, seed). */
export function settingsFromPack(defaults: PackDefaults, current: Settings): Settings {
  return {
    ...current,
    negativePrompt: defaults.negativePrompt,
    frames: defaults.frames,
    contextFrames: defaults.contextFrames,
    contextOverlap: defaults.contextOverlap,
    steps: defaults.steps,
    guidanceScale: defaults.guidanceScale,
    fps: defaults.fps,
    width: defaults.width,
    height: defaults.height,
    motionSpeed: defaults.motionSpeed,
  };
}

/**
 * Field-level problems, in words for the form. Empty object = valid.
 * Example: `{contextFrames: 8, contextOverlap: 8}` → `{contextOverlap: 'Must be less than the context frames (8).'}`.
 */
export function validateSettings(s: Settings): SettingsErrors {
  const errors: SettingsErrors = {};
  for (const key of Object.keys(LIMITS) as NumericSettingKey[]) {
    const { min, max, integer } = LIMITS[key];
    const v = s[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) errors[key] = 'Enter a number.';
    else if (integer && !Number.isInteger(v)) errors[key] = 'Enter a whole number.';
    else if (v < min || v > max) errors[key] = `Must be between ${min} and ${max}.`;
  }
  for (const key of ['width', 'height'] as const) {
    if (!errors[key] && s[key] % SIZE_MULTIPLE !== 0) {
      const lo = Math.max(SIZE_MULTIPLE, Math.floor(s[key] / SIZE_MULTIPLE) * SIZE_MULTIPLE);
      errors[key] = `Must be a multiple of ${SIZE_MULTIPLE} (try ${lo}).`;
    }
  }
  if (!errors.contextOverlap && !errors.contextFrames && s.contextOverlap >= s.contextFrames) {
    errors.contextOverlap = `Must be less than the context frames (${s.contextFrames}).`;
  }
  if (!isBackendChoice(s.backend)) errors.backend = 'Choose Auto, WebGPU or wasm.';
  if (s.prompt.length > 2000) errors.prompt = 'Keep the prompt under 2000 characters.';
  if (s.negativePrompt.length > 2000) errors.negativePrompt = 'Keep the negative prompt under 2000 characters.';
  return errors;
}

export function hasErrors(errors: SettingsErrors): boolean {
  return Object.keys(errors).length > 0;
}

/** Take what is usable from persisted (untrusted) data; everything else from `fallback`. */
export function sanitizeSettings(persisted: unknown, fallback: Settings): Settings {
  const out: Settings = { ...fallback };
  if (typeof persisted !== 'object' || persisted === null) return out;
  const p = persisted as Record<string, unknown>;
  for (const key of Object.keys(fallback) as SettingKey[]) {
    const v = p[key];
    if (key === 'backend') {
      if (isBackendChoice(v)) out.backend = v;
      continue;
    }
    if (typeof fallback[key] === 'string' && typeof v === 'string') (out as unknown as Record<string, unknown>)[key] = v;
    if (typeof fallback[key] === 'number' && typeof v === 'number' && Number.isFinite(v))
      (out as unknown as Record<string, unknown>)[key] = v;
  }
  return out;
}

/** A uniformly random seed in [0, 2^32 - 1]. */
export function randomSeed(random: () => number = Math.random): number {
  return Math.floor(random() * (MAX_SEED + 1)) >>> 0;
}
