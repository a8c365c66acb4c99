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
