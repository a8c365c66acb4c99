import { describe, expect, it } from 'vitest';
import { defaultBudgetBytes, estimateUnetCall, groupWindows, planMemory, queryChunkSchedule, shrinkUnetPlan, type PlanInput, type UnetPlan } from './memoryPlan';
import { planWindows } from './planWindows';

const GiB = 2 ** 30;
const SD15 = { blockOutChannels: [320, 640, 1280, 1280], heads: [8, 8, 8, 8] };
const SD_VAE = { decoderChannels: [512, 512, 256, 128] };

/**
 * 512×320 (latent 40×64), fp16 SD1.5-size pack (~3.3 GB of graphs) exported with
 * --attention-query-chunks 16 ([16, 4, 1, 1] per level), CFG, V2 negative prompt (154 tokens).
 */
const CHUNKED_16 = queryChunkSchedule(16, 4);
function sd15(over: Partial<PlanInput> = {}): PlanInput {
  return {
    unet: SD15,
    vae: SD_VAE,
    activationBytes: 2,
    residentWeightBytes: 3.3e9,
    queryChunks: CHUNKED_16,
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
    // 13 rows · 8 heads · 2560 queries · 5120 keys · 4 B = 5.45 GB → 6 chunks needed under 1 GiB, 2 under 4 GiB
    const scores = 13 * 8 * 2560 * 5120 * 4;
    expect(scores).toBe(5_452_595_200);
    const roomy = { budgetBytes: 64 * GiB, queryChunks: undefined };
    const whole = estimateUnetCall(sd15(roomy), 1, false, 12);
    expect(whole).toMatchObject({ queryChunks: 1, queryChunksNeeded: 6, largestTensor: scores });
    const big = estimateUnetCall(sd15({ ...roomy, limits: { maxBufferSize: 4 * GiB, maxStorageBufferBindingSize: 4 * GiB } }), 1, false, 12);
    expect(big.queryChunksNeeded).toBe(2);
    // a pack exported with N = 8 ([8, 2, 1, 1]) computes 2560 / 8 = 320 queries at a time
    const chunked = estimateUnetCall(sd15({ ...roomy, queryChunks: queryChunkSchedule(8, 4) }), 1, false, 12);
    expect(chunked).toMatchObject({ queryChunks: 8, largestTensor: 13 * 8 * 320 * 5120 * 4 });
    // scores and probabilities of level 0 (still the worst level) shrink from 2 · 5.45 GB to 2 · 682 MB
    expect(whole.activations - chunked.activations).toBeCloseTo(2 * (scores - 13 * 8 * 320 * 5120 * 4), -3);
  });

  it('uses the pack\'s chunks per level: ⌈S_l / q_l⌉ queries, temporal attention whole', () => {
    expect(queryChunkSchedule(16, 4)).toEqual([16, 4, 1, 1]);
    expect(queryChunkSchedule(8, 4)).toEqual([8, 2, 1, 1]);
    expect(queryChunkSchedule(64, 4)).toEqual([64, 16, 4, 1]);
    // 2560 level-0 queries in 6 chunks: the largest has 427 rows
    const six = estimateUnetCall(sd15({ queryChunks: [6, 2, 1, 1], budgetBytes: 64 * GiB }), 1, false, 12);
    expect(six.largestTensor).toBe(13 * 8 * 427 * 5120 * 4);
    // more chunks than queries at a level: one query at a time, temporal scores (S·H·F²) then dominate there
    const many = estimateUnetCall(sd15({ latentHeight: 8, latentWidth: 8, queryChunks: [64, 64, 64, 64], budgetBytes: 64 * GiB }), 1, false, 12);
    expect(many.largestTensor).toBeGreaterThanOrEqual(64 * 8 * 13 * 13 * 4);
  });

  it('grows with the windows and halves in one call', () => {
    const p = sd15({ budgetBytes: 64 * GiB, queryChunks: undefined });
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
  it('512×320, 12 frames, context 12, CFG, 16-chunk pack: fits a 1 GiB binding limit and a 4 GiB one', () => {
    const small = expectWithinLimits(sd15());
    const big = expectWithinLimits(sd15({ limits: { maxBufferSize: 4 * GiB, maxStorageBufferBindingSize: 4 * GiB } }));
    for (const plan of [small, big]) {
      expect(plan.calls).toEqual([[0]]);
      expect(plan.cfgTogether).toBe(true);
      expect(plan.vaeFramesPerCall).toBe(12);
      expect(plan.queryChunks).toBe(16);
    }
    // halves together: 26 rows · 8 heads · 160 queries · 5120 keys · 4 B = 682 MB
    expect(small.largestTensor).toBe(26 * 8 * 160 * 5120 * 4);
  });

  it('512×320, 12 frames, context 12, CFG on a 1 GiB binding limit: does not fit unchunked, fits with a chunked pack', () => {
    const whole = planMemory(sd15({ queryChunks: undefined }));
    expect(whole.fits).toBe(false);
    expect(whole.largestTensor).toBe(5_452_595_200); // one window, halves apart, level-0 self-attention
    expect(whole.advice).toMatch(/--attention-query-chunks 6 \(or more\)\.$/);
    // 8 chunks: one window with the halves together is 26·8·320·5120·4 B = 1.36 GB > 1 GiB, apart 682 MB
    const eight = expectWithinLimits(sd15({ queryChunks: queryChunkSchedule(8, 4) }));
    expect(eight).toMatchObject({ windowsPerCall: 1, cfgTogether: false, queryChunks: 8, largestTensor: 13 * 8 * 320 * 5120 * 4 });
    // 16 chunks: the halves fit together (the test above)
    expect(expectWithinLimits(sd15()).cfgTogether).toBe(true);
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
    const plan = planMemory(sd15({ queryChunks: undefined, latentHeight: 128, latentWidth: 128 }));
    expect(plan.fits).toBe(false);
    expect(plan.windowsPerCall).toBe(1);
    expect(plan.cfgTogether).toBe(false);
    expect(plan.advice).toMatch(/lower the resolution/);
    // 1024×1024: level-0 scores of 13·8·16384·32768·4 B = 223 GB would need more than the exporter's 64 chunks
    expect(plan.queryChunksNeeded).toBeGreaterThan(64);
    expect(plan.advice).not.toMatch(/attention-query-chunks/);
  });

  it('the tiny demo pack runs every window of a clip in one call on any adapter', () => {
    const plan = planMemory({
      unet: { blockOutChannels: [32, 64], heads: [2, 2] },
      vae: { decoderChannels: [64, 32] },
      activationBytes: 4,
      residentWeightBytes: 30e6,
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
