import { describe, expect, it } from 'vitest';
import { NEGATIVE_PROMPT_PRESETS } from '../core/negativePrompts';
import { applyPresetValues, isPresetId, matchingPreset, PRESETS, presetById } from './presets';
import { BUILTIN_DEFAULTS, validateSettings, type Settings } from './settings';

const mine: Settings = {
  ...BUILTIN_DEFAULTS,
  prompt: 'a girl, smiling',
  seed: 1234,
  backend: 'wasm',
  width: 384,
  height: 512,
  firstFrame: 'generate',
  frames: 3,
  fps: 25,
  negativePrompt: 'mine',
};

describe('presets', () => {
  it("the CLI preset holds text2video.py's defaults (spec §1.7), with fps 12 as in the README", () => {
    expect(presetById('musev-cli').values).toEqual({
      frames: 12, nBatch: 1, fixConditionImages: false, fps: 12,
      contextFrames: 12, contextOverlap: 4, contextSchedule: 'uniform_v2', contextStride: 1,
      steps: 10, guidanceScale: 3.5, guidanceScaleEnd: null, guidanceMethod: 'linear',
      negativePrompt: NEGATIVE_PROMPT_PRESETS.V2,
      noiseType: 'video_fusion', wIndNoise: 0.5, imageBasedNoise: true, imgWeight: 1e-3, motionSpeed: 8,
      ipAdapterScale: 1, ipAdapterFaceScale: 1, firstFrameSteps: 30, firstFrameGuidanceScale: 7.5, firstFrameNegativePrompt: null,
    });
    expect(presetById('musev-cli').note).toMatch(/CLI itself writes 4/);
  });

  it("gradio differs from the CLI only by its 6 fps; the demo preset has no negative prompt", () => {
    expect(presetById('musev-gradio').values).toEqual({ ...presetById('musev-cli').values, fps: 6 });
    expect(presetById('demo').values.negativePrompt).toBe('');
    expect(PRESETS.map((p) => p.label)).toEqual(['MuseV text2video CLI defaults', 'MuseV gradio defaults', 'Demo (fast)']);
  });

  it('applying one sets its fields only: not prompt, seed, backend, size or first-frame mode', () => {
    const s = applyPresetValues(mine, 'musev-cli');
    expect(s).toMatchObject({ prompt: 'a girl, smiling', seed: 1234, backend: 'wasm', width: 384, height: 512, firstFrame: 'generate' });
    expect(s).toMatchObject({ frames: 12, fps: 12, negativePrompt: NEGATIVE_PROMPT_PRESETS.V2 });
    for (const p of PRESETS) expect(validateSettings(applyPresetValues(mine, p.id))).toEqual({});
  });

  it('tells which preset the settings match, null once a field differs', () => {
    expect(matchingPreset(mine)).toBeNull();
    expect(matchingPreset(applyPresetValues(mine, 'musev-cli'))).toBe('musev-cli');
    expect(matchingPreset(applyPresetValues(mine, 'musev-gradio'))).toBe('musev-gradio');
    expect(matchingPreset(applyPresetValues(mine, 'demo'))).toBe('demo');
    expect(matchingPreset({ ...applyPresetValues(mine, 'musev-cli'), frames: 4 })).toBeNull();
    expect(isPresetId('musev-cli')).toBe(true);
    expect(isPresetId('nope')).toBe(false);
  });
});
