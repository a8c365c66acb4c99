import type { PackDefaults } from '../packs/manifest';
import { MIN_BUDGET_BYTES } from '../core/memoryPlan';
import { resolveNegativePrompt } from '../core/negativePrompts';
import { ENCODER_CHOICES, VIDEO_FORMATS, type EncoderChoice, type VideoFormat } from '../rpc/encoderApi';
import type { GenerateRequest, LoadOptions } from '../rpc/generatorApi';

/** Where the model runs: 'auto' = WebGPU when the worker gets an adapter, wasm otherwise. */
export type BackendChoice = NonNullable<LoadOptions['backend']>;
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'webgpu', 'wasm'];

export function isBackendChoice(x: unknown): x is BackendChoice {
  return typeof x === 'string' && (BACKEND_CHOICES as readonly string[]).includes(x);
}

/**
 * The request's images are not settings (not persisted), nor are the run options (memory budget,
 * fixed UNet plan); the worker's optional options all get a value here (firstFrameNegativePrompt may
 * be null: the video's negative prompt, the worker's default).
 */
type RequestOptions = Required<
  Omit<GenerateRequest, 'image' | 'referImage' | 'ipAdapterImage' | 'faceImage' | 'firstFrameNegativePrompt' | 'memoryBudgetBytes' | 'unetPlan' | 'residentLoop' | 'resume'>
>;

/**
 * What the user sets for one generation (persisted; the images are not): every field of the
 * worker's GenerateRequest except the images, each with a value, plus the backend preference.
 */
export interface Settings extends RequestOptions {
  /** MuseV's `negative_prompt` for the first-frame pipeline (generate/redraw); null = the video's (negativePrompt). */
  firstFrameNegativePrompt: string | null;
  /** onnxruntime backend the pack is loaded on (a device preference: reset and pack defaults keep it). */
  backend: BackendChoice;
  /** The file made after generation: MP4, WebM, GIF or a zip of PNG frames (an export preference, kept like backend). */
  videoFormat: VideoFormat;
  /** Who encodes it: 'auto' = WebCodecs where the browser can, ffmpeg.wasm otherwise (kept like backend). */
  videoEncoder: EncoderChoice;
  /**
   * GPU memory the memory planner may use, GiB; null = from the adapter (src/runtime/unetPlanner.ts).
   * A device preference, kept like backend.
   */
  memoryBudgetGiB: number | null;
}

/** Numbers that may be left blank (null): the guidance end (constant guidance), the memory budget (from the adapter). */
export const NULLABLE_NUMBERS = ['guidanceScaleEnd', 'memoryBudgetGiB'] as const;
const isNullableNumber = (key: string): boolean => (NULLABLE_NUMBERS as readonly string[]).includes(key);

export type SettingKey = keyof Settings;
export type NumericSettingKey = { [K in SettingKey]: Settings[K] extends number ? K : never }[SettingKey];
/** Numbers that may be left blank (null): guidance end (blank = constant guidance). */
export type NullableNumericSettingKey = { [K in SettingKey]: Settings[K] extends number ? never : number extends Settings[K] ? K : never }[SettingKey];
export type BooleanSettingKey = { [K in SettingKey]: Settings[K] extends boolean ? K : never }[SettingKey];
export type SettingsErrors = Partial<Record<SettingKey, string>>;

/** Settings that pick one of a few words, with the words allowed. */
export const CHOICES = {
  backend: BACKEND_CHOICES,
  videoFormat: VIDEO_FORMATS,
  videoEncoder: ENCODER_CHOICES,
  contextSchedule: ['uniform_v2', 'uniform'],
  guidanceMethod: ['linear', 'two_stage', 'three_stage', 'fix_two_stage'],
  noiseType: ['video_fusion', 'random'],
  firstFrame: ['image', 'generate', 'redraw'],
} as const satisfies { [K in SettingKey]?: readonly Settings[K][] };
export type ChoiceSettingKey = keyof typeof CHOICES;

export function isChoice<K extends ChoiceSettingKey>(key: K, x: unknown): x is Settings[K] {
  return typeof x === 'string' && (CHOICES[key] as readonly string[]).includes(x);
}

/** Used until the pack's manifest tells its own defaults (MuseV's CLI values, spec §1.7). */
export const BUILTIN_DEFAULTS: Settings = {
  prompt: '',
  negativePrompt: '',
  frames: 12,
  contextFrames: 12,
  contextOverlap: 4,
  contextSchedule: 'uniform_v2',
  contextStride: 1,
  steps: 10,
  guidanceScale: 3.5,
  guidanceScaleEnd: null,
  guidanceMethod: 'linear',
  seed: 42,
  fps: 12,
  width: 256,
  height: 256,
  motionSpeed: 8,
  noiseType: 'video_fusion',
  wIndNoise: 0.5,
  imageBasedNoise: true,
  imgWeight: 0.001,
  nBatch: 1,
  fixConditionImages: false,
  ipAdapterScale: 1,
  ipAdapterFaceScale: 1,
  firstFrame: 'image',
  firstFrameSteps: 30,
  firstFrameGuidanceScale: 7.5,
  firstFrameNegativePrompt: null,
  backend: 'auto',
  videoFormat: 'mp4',
  videoEncoder: 'auto',
  memoryBudgetGiB: null,
};

export const SIZE_MULTIPLE = 64;
export const MAX_SEED = 0xffffffff;

type Limit = { min: number; max: number; integer: boolean };
/** Limits of each numeric field: [min, max, integer?]. */
export const LIMITS: Record<NumericSettingKey | NullableNumericSettingKey, Limit> = {
  frames: { min: 1, max: 240, integer: true },
  contextFrames: { min: 1, max: 64, integer: true },
  contextOverlap: { min: 0, max: 63, integer: true },
  contextStride: { min: 1, max: 8, integer: true },
  steps: { min: 1, max: 100, integer: true },
  guidanceScale: { min: 0, max: 30, integer: false },
  guidanceScaleEnd: { min: 0, max: 30, integer: false },
  seed: { min: 0, max: MAX_SEED, integer: true },
  fps: { min: 1, max: 60, integer: true },
  width: { min: SIZE_MULTIPLE, max: 2048, integer: true },
  height: { min: SIZE_MULTIPLE, max: 2048, integer: true },
  motionSpeed: { min: 0, max: 20, integer: false },
  wIndNoise: { min: 0, max: 1, integer: false },
  imgWeight: { min: 0, max: 1, integer: false },
  nBatch: { min: 1, max: 50, integer: true },
  ipAdapterScale: { min: 0, max: 5, integer: false },
  ipAdapterFaceScale: { min: 0, max: 5, integer: false },
  firstFrameSteps: { min: 1, max: 100, integer: true },
  firstFrameGuidanceScale: { min: 0, max: 30, integer: false },
  memoryBudgetGiB: { min: MIN_BUDGET_BYTES / 2 ** 30, max: 256, integer: false },
};

/** Settings seeded from a pack's defaults, keeping everything else (prompt, seed, MuseV options). */
export function settingsFromPack(defaults: PackDefaults, current: Settings): Settings {
  return {
    ...current,
    negativePrompt: resolveNegativePrompt(defaults.negativePrompt),
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

const CHOICE_MESSAGES: Record<ChoiceSettingKey, string> = {
  backend: 'Choose Auto, WebGPU or wasm.',
  videoFormat: 'Choose MP4, WebM, GIF or PNG frames (zip).',
  videoEncoder: 'Choose Auto, WebCodecs or ffmpeg.',
  contextSchedule: 'Choose uniform_v2 or uniform.',
  guidanceMethod: 'Choose linear, two_stage, three_stage or fix_two_stage.',
  noiseType: 'Choose video_fusion or random.',
  firstFrame: 'Choose how the first frame is made.',
};

function numberProblem(v: unknown, { min, max, integer }: Limit): string | null {
  if (typeof v !== 'number' || !Number.isFinite(v)) return 'Enter a number.';
  if (integer && !Number.isInteger(v)) return 'Enter a whole number.';
  if (v < min || v > max) return `Must be between ${min} and ${max}.`;
  return null;
}

/**
 * Field-level problems, in words for the form. Empty object = valid.
 * Example: `{contextFrames: 8, contextOverlap: 8}` → `{contextOverlap: 'Must be less than the context frames (8).'}`.
 */
export function validateSettings(s: Settings): SettingsErrors {
  const errors: SettingsErrors = {};
  for (const key of Object.keys(LIMITS) as (keyof typeof LIMITS)[]) {
    if (isNullableNumber(key) && s[key] === null) continue; // blank = constant guidance / budget from the adapter
    const problem = numberProblem(s[key], LIMITS[key]);
    if (problem) errors[key] = problem;
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
  // A generated first frame takes the first of the shot's frames (spec §2.4).
  if (!errors.frames && s.firstFrame === 'generate' && s.frames < 2) errors.frames = 'Use at least 2 frames when the first frame is generated.';
  for (const key of Object.keys(CHOICES) as ChoiceSettingKey[]) {
    if (!isChoice(key, s[key])) errors[key] = CHOICE_MESSAGES[key];
  }
  for (const key of ['imageBasedNoise', 'fixConditionImages'] as const) {
    if (typeof s[key] !== 'boolean') errors[key] = 'Choose on or off.';
  }
  // MuseV multiplies frame indices by motion_speed; 0 would give every frame the same position.
  if (!errors.motionSpeed && s.motionSpeed <= 0) errors.motionSpeed = 'Must be more than 0.';
  if (s.prompt.length > 2000) errors.prompt = 'Keep the prompt under 2000 characters.';
  if (s.negativePrompt.length > 2000) errors.negativePrompt = 'Keep the negative prompt under 2000 characters.';
  if (s.firstFrameNegativePrompt !== null && !(typeof s.firstFrameNegativePrompt === 'string' && s.firstFrameNegativePrompt.length <= 2000))
    errors.firstFrameNegativePrompt = 'Keep the first-frame negative prompt under 2000 characters.';
  return errors;
}

export function hasErrors(errors: SettingsErrors): boolean {
  return Object.keys(errors).length > 0;
}

/** Whether a persisted value may stand in for `key` (right type or one of the allowed words). */
function usable(key: SettingKey, v: unknown, fallback: Settings): boolean {
  if (key in CHOICES) return isChoice(key as ChoiceSettingKey, v);
  if (isNullableNumber(key)) return v === null || (typeof v === 'number' && Number.isFinite(v));
  if (key === 'firstFrameNegativePrompt') return v === null || typeof v === 'string';
  const f = fallback[key];
  if (typeof f === 'number') return typeof v === 'number' && Number.isFinite(v);
  return typeof v === typeof f;
}

/**
 * Take what is usable from persisted (untrusted) data; everything else from `fallback`. Values of
 * the right type but out of range are kept: the form shows them with their message.
 */
export function sanitizeSettings(persisted: unknown, fallback: Settings): Settings {
  const out: Settings = { ...fallback };
  if (typeof persisted !== 'object' || persisted === null) return out;
  const p = persisted as Record<string, unknown>;
  for (const key of Object.keys(fallback) as SettingKey[]) {
    if (usable(key, p[key], fallback)) (out as unknown as Record<string, unknown>)[key] = p[key];
  }
  return out;
}

/** A uniformly random seed in [0, 2^32 - 1]. */
export function randomSeed(random: () => number = Math.random): number {
  return Math.floor(random() * (MAX_SEED + 1)) >>> 0;
}
