import { describe, expect, it } from 'vitest';
import type { GenerateRequest } from '../rpc/generatorApi';
import { requestProblems } from './validateRequest';

const good = (): GenerateRequest => ({
  image: { width: 128, height: 64, rgba: new Uint8ClampedArray(128 * 64 * 4) },
  prompt: 'a girl',
  negativePrompt: '',
  width: 128,
  height: 64,
  frames: 10,
  contextFrames: 4,
  contextOverlap: 2,
  steps: 3,
  guidanceScale: 3.5,
  seed: 42,
  fps: 8,
  motionSpeed: 8,
  wIndNoise: 0.5,
  imgWeight: 0.001,
});

describe('requestProblems', () => {
  it('accepts a good request', () => {
    expect(requestProblems(good(), { pixelMultiple: 64 })).toEqual([]);
  });
  it('names each bad field', () => {
    const r = { ...good(), width: 100, contextOverlap: 4, seed: -1 };
    const p = requestProblems(r, { pixelMultiple: 64 }).join('\n');
    expect(p).toMatch(/multiples of 64/);
    expect(p).toMatch(/Context overlap \(4\) must be smaller than context frames \(4\)/);
    expect(p).toMatch(/Seed must be/);
    expect(p).toMatch(/condition image must be resized to 100x64/);
  });
});
