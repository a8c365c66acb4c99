import { NEGATIVE_PROMPT_PRESETS } from '../core/negativePrompts';
import type { Settings } from './settings';

/**
 * Named groups of settings (spec §1.7, "Defaults actually used"). A preset sets only the fields it
 * lists: never the image, prompt, seed, backend, video format or encoder, size (that follows the
 * image) or the first-frame mode (how the image is used).
 */
export type PresetId = 'musev-cli' | 'musev-gradio' | 'demo';

export type PresetValues = Omit<Settings, 'prompt' | 'seed' | 'backend' | 'videoFormat' | 'videoEncoder' | 'memoryBudgetGiB' | 'width' | 'height' | 'firstFrame'>;

export interface SettingsPreset {
  id: PresetId;
  label: string;
  /** One sentence: where the numbers come from. */
  note: string;
  values: PresetValues;
}

/**
 * scripts/inference/text2video.py's argparse defaults. fps: the CLI writes 4 fps, MuseV's README
 * commands pass 12; we take 12 (the README's, and what the model was shown at 12 frames/shot).
 */
const MUSEV_CLI: PresetValues = {
  frames: 12,
  nBatch: 1,
  fixConditionImages: false,
  fps: 12,
  contextFrames: 12,
  contextOverlap: 4,
  contextSchedule: 'uniform_v2',
  contextStride: 1,
  steps: 10,
  guidanceScale: 3.5,
  guidanceScaleEnd: null,
  guidanceMethod: 'linear',
  negativePrompt: NEGATIVE_PROMPT_PRESETS.V2,
  noiseType: 'video_fusion',
  wIndNoise: 0.5,
  imageBasedNoise: true,
  imgWeight: 0.001,
  motionSpeed: 8,
  ipAdapterScale: 1,
  ipAdapterFaceScale: 1,
  firstFrameSteps: 30,
  firstFrameGuidanceScale: 7.5,
  firstFrameNegativePrompt: null, // negative_prompt V2, the same text as the video's
};

export const PRESETS: readonly SettingsPreset[] = [
  {
    id: 'musev-cli',
    label: 'MuseV text2video CLI defaults',
    note: 'text2video.py: 12 frames, windows of 12 overlapping 4 (uniform_v2), 10 steps at guidance 3.5, V2 negative prompt, video_fusion noise; fps 12 as in the README (the CLI itself writes 4).',
    values: MUSEV_CLI,
  },
  {
    id: 'musev-gradio',
    label: 'MuseV gradio defaults',
    note: "The gradio demo's hidden defaults: the CLI's, with the demo's 6 fps.",
    values: { ...MUSEV_CLI, fps: 6 },
  },
  {
    id: 'demo',
    label: 'Demo (fast)',
    note: 'The tiny demo pack: MuseV numbers without a negative prompt, and a 10-step first frame.',
    values: { ...MUSEV_CLI, negativePrompt: NEGATIVE_PROMPT_PRESETS.Empty, firstFrameSteps: 10 },
  },
];

export function isPresetId(x: unknown): x is PresetId {
  return PRESETS.some((p) => p.id === x);
}

export function presetById(id: PresetId): SettingsPreset {
  return PRESETS.find((p) => p.id === id)!;
}

/** The settings with a preset applied (its fields only). */
export function applyPresetValues(settings: Settings, id: PresetId): Settings {
  return { ...settings, ...presetById(id).values };
}

/** The first preset whose every field equals the settings, or null ("custom"). */
export function matchingPreset(settings: Settings): PresetId | null {
  for (const p of PRESETS) {
    const same = (Object.keys(p.values) as (keyof PresetValues)[]).every((k) => Object.is(settings[k], p.values[k]));
    if (same) return p.id;
  }
  return null;
}
