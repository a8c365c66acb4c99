import { describe, expect, it } from 'vitest';
import {
  BUILTIN_DEFAULTS,
  MAX_SEED,
  hasErrors,
  isBackendChoice,
  randomSeed,
  sanitizeSettings,
  settingsFromPack,
  validateSettings,
} from './settings';

const ok = { ...BUILTIN_DEFAULTS, prompt: 'a girl smiling' };

describe('BUILTIN_DEFAULTS', () => {
  it("uses MuseV's video_guidance_scale and lets the worker pick the backend", () => {
    expect(BUILTIN_DEFAULTS.guidanceScale).toBe(3.5);
    expect(BUILTIN_DEFAULTS.backend).toBe('auto');
  });
});

describe('validateSettings', () => {
  it('accepts the built-in defaults', () => {
    expect(validateSettings(ok)).toEqual({});
    expect(hasErrors(validateSettings(ok))).toBe(false);
  });
  it('requires overlap < context frames', () => {
    expect(validateSettings({ ...ok, contextFrames: 8, contextOverlap: 8 })).toEqual({
      contextOverlap: 'Must be less than the context frames (8).',
    });
    expect(validateSettings({ ...ok, contextFrames: 8, contextOverlap: 7 })).toEqual({});
  });
  it('requires width/height multiples of 64 and suggests one', () => {
    expect(validateSettings({ ...ok, width: 300 }).width).toBe('Must be a multiple of 64 (try 256).');
    expect(validateSettings({ ...ok, height: 100 }).height).toBe('Must be a multiple of 64 (try 64).');
    expect(validateSettings({ ...ok, width: 0 }).width).toMatch(/between 64 and 2048/);
  });
  it('rejects non-numbers, fractions where integers are needed, and out-of-range values', () => {
    const e = validateSettings({ ...ok, steps: Number.NaN, frames: 2.5, fps: 0, seed: MAX_SEED + 1, guidanceScale: -1 });
    expect(e.steps).toBe('Enter a number.');
    expect(e.frames).toBe('Enter a whole number.');
    expect(e.fps).toMatch(/between 1 and 60/);
    expect(e.seed).toMatch(/between 0 and 4294967295/);
    expect(e.guidanceScale).toMatch(/between 0 and 30/);
  });
  it('allows fractional guidance and motion speed', () => {
    expect(validateSettings({ ...ok, guidanceScale: 3.5, motionSpeed: 6.5 })).toEqual({});
  });
  it('accepts only the three backend choices', () => {
    for (const backend of ['auto', 'webgpu', 'wasm'] as const) expect(validateSettings({ ...ok, backend })).toEqual({});
    expect(validateSettings({ ...ok, backend: 'cuda' as never }).backend).toBe('Choose Auto, WebGPU or wasm.');
    expect(isBackendChoice('wasm')).toBe(true);
    expect(isBackendChoice('WASM')).toBe(false);
  });
  it('limits prompt length', () => {
    expect(validateSettings({ ...ok, prompt: 'x'.repeat(2001) }).prompt).toBeDefined();
  });
});

describe('settingsFromPack', () => {
  it('takes the pack defaults but keeps prompt and seed', () => {
    const s = settingsFromPack(
      { width: 256, height: 192, frames: 8, contextFrames: 8, contextOverlap: 2, steps: 4, guidanceScale: 3, fps: 8, motionSpeed: 5, negativePrompt: 'blurry' },
      { ...ok, seed: 7, backend: 'wasm' },
    );
    expect(s).toMatchObject({ prompt: 'a girl smiling', seed: 7, backend: 'wasm', width: 256, height: 192, frames: 8, steps: 4, negativePrompt: 'blurry' });
  });
});

describe('sanitizeSettings', () => {
  it('keeps well-typed persisted values and drops the rest', () => {
    const s = sanitizeSettings({ prompt: 'hi', steps: 20, fps: 'x', seed: null, width: Infinity, extra: 1 }, ok);
    expect(s).toEqual({ ...ok, prompt: 'hi', steps: 20 });
  });
  it('restores a stored backend choice and ignores unknown ones', () => {
    expect(sanitizeSettings({ backend: 'wasm' }, ok).backend).toBe('wasm');
    expect(sanitizeSettings({ backend: 'webgpu' }, ok).backend).toBe('webgpu');
    expect(sanitizeSettings({ backend: 'cuda' }, ok).backend).toBe('auto');
    expect(sanitizeSettings({ backend: 1 }, { ...ok, backend: 'wasm' }).backend).toBe('wasm');
  });
  it('returns the fallback for garbage', () => {
    expect(sanitizeSettings(null, ok)).toEqual(ok);
    expect(sanitizeSettings('x', ok)).toEqual(ok);
  });
});

describe('randomSeed', () => {
  it('maps [0, 1) onto [0, 2^32 - 1]', () => {
    expect(randomSeed(() => 0)).toBe(0);
    expect(randomSeed(() => 0.9999999999)).toBe(MAX_SEED);
    expect(Number.isInteger(randomSeed())).toBe(true);
  });
});

describe("MuseV's inference options", () => {
  it('default to the CLI values (spec §1.7) and validate', () => {
    expect(BUILTIN_DEFAULTS).toMatchObject({
      contextSchedule: 'uniform_v2', contextStride: 1, guidanceScaleEnd: null, guidanceMethod: 'linear',
      noiseType: 'video_fusion', imageBasedNoise: true, nBatch: 1, fixConditionImages: false, ipAdapterScale: 1,
      firstFrame: 'image', firstFrameSteps: 30, firstFrameGuidanceScale: 7.5,
    });
    expect(validateSettings({ ...ok, nBatch: 4, guidanceScaleEnd: 7.5, guidanceMethod: 'three_stage', contextSchedule: 'uniform', contextStride: 3 })).toEqual({});
  });

  it('check ranges with messages', () => {
    const e = validateSettings({ ...ok, nBatch: 0, contextStride: 1.5, guidanceScaleEnd: 31, ipAdapterScale: -1, firstFrameSteps: 0, firstFrameGuidanceScale: Number.NaN });
    expect(e).toEqual({
      nBatch: 'Must be between 1 and 50.',
      contextStride: 'Enter a whole number.',
      guidanceScaleEnd: 'Must be between 0 and 30.',
      ipAdapterScale: 'Must be between 0 and 5.',
      firstFrameSteps: 'Must be between 1 and 100.',
      firstFrameGuidanceScale: 'Enter a number.',
    });
    expect(validateSettings({ ...ok, guidanceScaleEnd: Number.NaN }).guidanceScaleEnd).toBe('Enter a number.');
    // the memory budget: blank (null) = from the adapter; else 0.5 .. 256 GiB
    expect(validateSettings({ ...ok, memoryBudgetGiB: null }).memoryBudgetGiB).toBeUndefined();
    expect(validateSettings({ ...ok, memoryBudgetGiB: 0.25 }).memoryBudgetGiB).toBe('Must be between 0.5 and 256.');
    expect(sanitizeSettings({ memoryBudgetGiB: 6 }, ok).memoryBudgetGiB).toBe(6);
    expect(sanitizeSettings({ memoryBudgetGiB: 'lots' }, ok).memoryBudgetGiB).toBe(ok.memoryBudgetGiB);
    expect(validateSettings({ ...ok, firstFrame: 'generate', frames: 1 }).frames).toBe('Use at least 2 frames when the first frame is generated.');
    expect(validateSettings({ ...ok, firstFrame: 'image', frames: 1 })).toEqual({});
  });

  it('accept only known words and booleans', () => {
    const e = validateSettings({
      ...ok, contextSchedule: 'uniform_v3' as never, guidanceMethod: 'cosine' as never, noiseType: 'pink' as never,
      firstFrame: 'draw' as never, imageBasedNoise: 'yes' as never, fixConditionImages: 1 as never,
    });
    expect(e).toEqual({
      contextSchedule: 'Choose uniform_v2 or uniform.',
      guidanceMethod: 'Choose linear, two_stage, three_stage or fix_two_stage.',
      noiseType: 'Choose video_fusion or random.',
      firstFrame: 'Choose how the first frame is made.',
      imageBasedNoise: 'Choose on or off.',
      fixConditionImages: 'Choose on or off.',
    });
  });

  it('stored values are checked on load: wrong words, types and non-finite numbers fall back', () => {
    const stored = {
      contextSchedule: 'uniform', guidanceMethod: 'two_stage', noiseType: 'random', firstFrame: 'generate',
      imageBasedNoise: false, fixConditionImages: true, nBatch: 3, guidanceScaleEnd: 5, ipAdapterScale: 0.5,
    };
    expect(sanitizeSettings(stored, ok)).toEqual({ ...ok, ...stored });
    const bad = sanitizeSettings(
      { contextSchedule: 'nope', guidanceMethod: 3, noiseType: null, firstFrame: 'draw', imageBasedNoise: 'false', nBatch: '2', guidanceScaleEnd: 'x', ipAdapterScale: NaN },
      ok,
    );
    expect(bad).toEqual(ok);
    expect(sanitizeSettings({ guidanceScaleEnd: null }, { ...ok, guidanceScaleEnd: 4 }).guidanceScaleEnd).toBeNull();
    expect(sanitizeSettings({ firstFrameNegativePrompt: 'blurry' }, ok).firstFrameNegativePrompt).toBe('blurry');
    expect(sanitizeSettings({ firstFrameNegativePrompt: 3 }, ok).firstFrameNegativePrompt).toBeNull();
    expect(validateSettings({ ...ok, firstFrameNegativePrompt: 'x'.repeat(2001) }).firstFrameNegativePrompt).toMatch(/under 2000/);
    // Out of range but well typed: kept, the form says what is wrong.
    expect(sanitizeSettings({ nBatch: 500 }, ok).nBatch).toBe(500);
  });

  it('pack defaults may name a negative prompt preset', () => {
    const s = settingsFromPack(
      { width: 256, height: 256, frames: 12, contextFrames: 12, contextOverlap: 4, steps: 10, guidanceScale: 3.5, fps: 12, motionSpeed: 8, negativePrompt: 'V3' },
      ok,
    );
    expect(s.negativePrompt).toBe('badhandv4, ng_deepnegative_v1_75t, bad quality');
  });
});

describe('motion speed', () => {
  it('must be more than 0 (the pipeline multiplies frame indices by it)', () => {
    expect(validateSettings({ ...BUILTIN_DEFAULTS, motionSpeed: 0 }).motionSpeed).toMatch(/more than 0/);
    expect(validateSettings({ ...BUILTIN_DEFAULTS, motionSpeed: 0.5 }).motionSpeed).toBeUndefined();
  });
});
