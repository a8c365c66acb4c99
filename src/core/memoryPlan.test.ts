import { describe, expect, it } from 'vitest';
import { defaultBudgetBytes, estimateUnetCall, groupWindows, planMemory, shrinkUnetPlan, type PlanInput, type UnetPlan } from './memoryPlan';
import { planWindows } from './planWindows';

const GiB = 2 ** 30;
const SD15 = { blockOutChannels: [320, 640, 1280, 1280], heads: [8, 8, 8, 8] };
const SD_VAE = { decoderChannels: [512, 512, 256, 128] };

/** 512×320 (latent 40×64), fp16 SD1.5-size pack (~3.3 GB of graphs), CFG, V2 negative prompt (154 tokens). */
function sd15(over: Partial<PlanInput> = {}): PlanInput {
  return {
    unet: SD15,
    vae: SD_VAE,
    activationBytes: 2,
    residentWeightBytes: 3.3e9,
    queryChunking: true,
    latentHeight: 40,
    latentWidth: 64,
    windowLengths: [12],
    cfg: true,
    contextTokens: 154,
    frames: 12,
    limits: { maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: GiB },
    budgetBytes: 8 * GiB,
    ...over,
  };
}

function expectWithinLimits(p: PlanInput) {
  const plan = planMemory(p);
  expect(plan.fits).toBe(true);
  expect(plan.peak).toBeLessThanOrEqual(p.budgetBytes);
  expect(plan.largestTensor).toBeLessThanOrEqual(Math.min(p.limits.maxStorageBufferBindingSize, p.limits.maxBufferSize));
  return plan;
}

describe('estimateUnetCall', () => {
  it('reproduces the worked example: level-0 self-attention scores of one window, CFG apart', () => {
    // 13 rows · 8 heads · 2560 queries · 5120 keys · 4 B = 5.45 GB → 6 chunks under 1 GiB, 2 under 4 GiB
    const scores = 13 * 8 * 2560 * 5120 * 4;
    expect(scores).toBe(5_452_595_200);
    const roomy = { budgetBytes: 64 * GiB };
    const small = estimateUnetCall(sd15(roomy), 1, false, 12);
    expect(small.queryChunks).toBe(6);
    expect(small.largestTensor).toBeCloseTo(scores / 6, 0);
    const big = estimateUnetCall(sd15({ ...roomy, limits: { maxBufferSize: 4 * GiB, maxStorageBufferBindingSize: 4 * GiB } }), 1, false, 12);
    expect(big.queryChunks).toBe(2);
  });

  it('grows with the windows and halves in one call', () => {
    const p = sd15({ budgetBytes: 64 * GiB, queryChunking: false });
    const one = estimateUnetCall(p, 1, false, 12);
    const two = estimateUnetCall(p, 2, false, 12);
    const cfg = estimateUnetCall(p, 1, true, 12);
    expect(two.activations).toBeCloseTo(2 * one.activations, -3);
    expect(cfg.activations).toBeCloseTo(two.activations, -3);
  });
});

describe('groupWindows', () => {
  it('never mixes window lengths in one call', () => {
    expect(groupWindows([12, 12, 12, 12, 12, 8], 2)).toEqual([[0, 1], [2, 3], [4], [5]]);
    expect(groupWindows([4, 4, 2], 3)).toEqual([[0, 1], [2]]);
    expect(groupWindows([12], 4)).toEqual([[0]]);
  });
});

describe('planMemory', () => {
  it('512×320, 12 frames, context 12, CFG: fits a 1 GiB binding limit and a 4 GiB one', () => {
    const small = expectWithinLimits(sd15());
    const big = expectWithinLimits(sd15({ limits: { maxBufferSize: 4 * GiB, maxStorageBufferBindingSize: 4 * GiB } }));
    for (const plan of [small, big]) {
      expect(plan.calls).toEqual([[0]]);
      expect(plan.cfgTogether).toBe(true);
      expect(plan.vaeFramesPerCall).toBe(12);
    }
    expect(small.queryChunks).toBeGreaterThan(big.queryChunks);
  });

  it('48 frames, context 12, overlap 4: same-length windows share calls, the short tail runs alone', () => {
    const windows = planWindows({ frames: 48, contextFrames: 12, overlap: 4, schedule: 'uniform_v2' });
    const windowLengths = windows.map((w) => w.length);
    expect(windowLengths).toEqual([12, 12, 12, 12, 12, 8]);
    const big = expectWithinLimits(
      sd15({ windowLengths, frames: 48, budgetBytes: 24 * GiB, limits: { maxBufferSize: 4 * GiB, maxStorageBufferBindingSize: 4 * GiB } }),
    );
    expect(big.windowsPerCall).toBe(5);
    expect(big.calls).toEqual([[0, 1, 2, 3, 4], [5]]);
    const small = expectWithinLimits(sd15({ windowLengths, frames: 48, budgetBytes: 6 * GiB }));
    const halvesPerCall = (x: typeof big) => x.windowsPerCall * (x.cfgTogether ? 2 : 1);
    expect(big.cfgTogether).toBe(true);
    expect(halvesPerCall(small)).toBeLessThan(halvesPerCall(big));
    expect(small.calls.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('says what to lower when nothing fits', () => {
    const plan = planMemory(sd15({ queryChunking: false }));
    expect(plan.fits).toBe(false);
    expect(plan.windowsPerCall).toBe(1);
    expect(plan.cfgTogether).toBe(false);
    expect(plan.advice).toMatch(/lower the resolution/);
  });

  it('the tiny demo pack runs every window of a clip in one call on any adapter', () => {
    const plan = planMemory({
      unet: { blockOutChannels: [32, 64], heads: [2, 2] },
      vae: { decoderChannels: [64, 32] },
      activationBytes: 4,
      residentWeightBytes: 30e6,
      queryChunking: false,
      latentHeight: 16,
      latentWidth: 16,
      windowLengths: [4, 4, 4, 4],
      cfg: true,
      contextTokens: 77,
      frames: 10,
      limits: { maxBufferSize: 256 * 2 ** 20, maxStorageBufferBindingSize: 128 * 2 ** 20 },
      budgetBytes: GiB,
    });
    expect(plan).toMatchObject({ fits: true, windowsPerCall: 4, cfgTogether: true, queryChunks: 1, calls: [[0, 1, 2, 3]], vaeFramesPerCall: 10 });
  });
});

describe('shrinkUnetPlan', () => {
  it('halves the windows, then splits the CFG halves, then gives up', () => {
    const seen = [];
    let plan: UnetPlan | undefined = { windowsPerCall: 5, cfgTogether: true };
    while (plan) {
      seen.push(`${plan.windowsPerCall}${plan.cfgTogether ? 'T' : 'A'}`);
      plan = shrinkUnetPlan(plan, true);
    }
    expect(seen).toEqual(['5T', '2T', '1T', '1A']);
    expect(shrinkUnetPlan({ windowsPerCall: 1, cfgTogether: true }, false)).toBeUndefined();
  });
});

describe('defaultBudgetBytes', () => {
  it('is 4× the storage binding limit within [2, 16] GiB; wasm gets 3.5 GiB', () => {
    expect(defaultBudgetBytes(GiB)).toBe(4 * GiB);
    expect(defaultBudgetBytes(128 * 2 ** 20)).toBe(2 * GiB);
    expect(defaultBudgetBytes(8 * GiB)).toBe(16 * GiB);
    expect(defaultBudgetBytes(undefined)).toBe(3.5 * GiB);
  });
});
