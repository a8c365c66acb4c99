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
  it('checks MuseV options, naming them', () => {
    const r: GenerateRequest = {
      ...good(), contextSchedule: 'spiral' as 'uniform', contextStride: 0, guidanceScaleEnd: 99, guidanceMethod: 'cosine' as 'linear',
      noiseType: 'pink' as 'random', nBatch: 0, ipAdapterScale: -1, ipAdapterFaceScale: 11, firstFrame: 'dream' as 'image', firstFrameSteps: 1.5, firstFrameGuidanceScale: 70,
    };
    const p = requestProblems(r, { pixelMultiple: 64 }).join('\n');
    for (const name of ['Context schedule', 'Context stride', 'Guidance end', 'Guidance method', 'Noise type', 'Shots \\(n_batch\\)', 'IP-Adapter scale', 'Face scale', 'First frame must', 'First-frame steps', 'First-frame guidance'])
      expect(p).toMatch(new RegExp(name));
  });
  it('checks the memory budget and a fixed UNet plan', () => {
    const p = requestProblems({ ...good(), memoryBudgetBytes: 1000, unetPlan: { windowsPerCall: 0, cfgTogether: true } }, { pixelMultiple: 64 }).join('\n');
    expect(p).toMatch(/GPU memory budget must be at least 0.5 GiB/);
    expect(p).toMatch(/Windows per UNet call must be a whole number of at least 1/);
    expect(requestProblems({ ...good(), memoryBudgetBytes: 2 ** 32, unetPlan: { windowsPerCall: 2, cfgTogether: false } }, { pixelMultiple: 64 })).toEqual([]);
  });
  it('needs an image unless the first frame is generated', () => {
    const { image: _omit, ...noImage } = good();
    void _omit;
    expect(requestProblems(noImage, { pixelMultiple: 64 }).join()).toMatch(/condition image is needed/);
    expect(requestProblems({ ...noImage, firstFrame: 'redraw' }, { pixelMultiple: 64 }).join()).toMatch(/condition image is needed/);
    expect(requestProblems({ ...noImage, firstFrame: 'generate' }, { pixelMultiple: 64 })).toEqual([]);
    expect(requestProblems({ ...noImage, firstFrame: 'generate', frames: 1 }, { pixelMultiple: 64 }).join()).toMatch(/at least 2/);
  });
  it('checks refer and IP images sizes', () => {
    const small = { width: 64, height: 64, rgba: new Uint8ClampedArray(64 * 64 * 4) };
    const p = requestProblems({ ...good(), referImage: small, ipAdapterImage: small, faceImage: small }, { pixelMultiple: 64 }).join('\n');
    expect(p).toMatch(/refer image must be resized to 128x64/);
    expect(p).toMatch(/IP-Adapter image must be resized to 128x64/);
    expect(p).toMatch(/face image must be resized to 128x64/);
  });
});
