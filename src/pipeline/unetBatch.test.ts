/**
 * Several windows per UNet call and CFG halves apart give the same latents as MuseV's one window
 * per call (toy networks treat every batch item on its own, as the real UNet does; the real tiny
 * packs are checked in src/runtime/batchedWindows.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { EulerDiscreteScheduler } from '../core/eulerDiscrete';
import { Mt19937 } from '../core/mt19937';
import { planWindows } from '../core/planWindows';
import { torchRandnSeeded } from '../core/torchRandn';
import type { ClipTokenizer } from '../core/clipTokenizer';
import { TOY_CONFIG, toyNetworks, toyUnet, type UnetCall } from './__fixtures__/toyNetworks';
import { generateVideo, type UnetCallFacts } from './generateVideo';
import { denoise, type DenoiseOptions } from './denoise';
import type { TensorF32, UnetConditioning } from './networks';
import { appError } from '../rpc/errors';

const randomTensor = (shape: number[], seed: number): TensorF32 => ({ data: torchRandnSeeded(shape, seed), shape });

async function run(windows: number[][], extra: Partial<DenoiseOptions>, conditioning?: UnetConditioning) {
  const calls: UnetCall[] = [];
  const scheduler = new EulerDiscreteScheduler(TOY_CONFIG.scheduler);
  scheduler.setTimesteps(3);
  const N = Math.max(...windows.flat()) + 1;
  const shape = [1, 4, N, 4, 6];
  const latents = await denoise({
    unet: toyUnet(calls),
    scheduler,
    latents: randomTensor(shape, 1).data,
    shape,
    E: randomTensor([2, 77, 8], 2),
    cond: randomTensor([1, 4, 1, 4, 6], 3),
    windows,
    guidance: [3.5, 4, 4.5],
    doCfg: true,
    frameIndex: (T) => Array.from({ length: T }, (_, j) => j),
    conditioning,
    stepNoise: { type: 'random', rng: new Mt19937(7) },
    ...extra,
  });
  return { latents, calls };
}

const conditioning: UnetConditioning = {
  ipTokens: randomTensor([2, 4, 8], 11),
  ipScale: 0.7,
  reference: { ref_d0: randomTensor([2, 3, 1, 4, 6], 12), ref_mid: randomTensor([2, 5, 1, 1, 2], 13) },
  faceTokens: randomTensor([2, 4, 8], 14),
  faceScale: 0.5,
};

describe('windows per UNet call', () => {
  const windows = planWindows({ frames: 9, contextFrames: 4, overlap: 2, schedule: 'uniform_v2' }); // [0..3] [2..5] [4..7] [6..8]

  it('stacked windows and split CFG halves give the one-window-per-call latents', async () => {
    const base = await run(windows, {}, conditioning);
    expect(base.calls.map((c) => c.sample.shape[0])).toEqual(Array(12).fill(2));
    const together = await run(windows, { unetPlan: { windowsPerCall: 3, cfgTogether: true } }, conditioning);
    expect(together.calls.slice(0, 2).map((c) => c.sample.shape)).toEqual([[6, 4, 5, 4, 6], [2, 4, 4, 4, 6]]);
    expect(together.calls[0].conditioning?.reference?.ref_mid.shape).toEqual([6, 5, 1, 1, 2]);
    const apart = await run(windows, { unetPlan: { windowsPerCall: 2, cfgTogether: false } }, conditioning);
    expect(apart.calls.slice(0, 6).map((c) => c.sample.shape[0])).toEqual([2, 2, 1, 1, 1, 1]);
    for (const other of [together, apart]) {
      let maxDiff = 0;
      other.latents.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - base.latents[i]))));
      expect(maxDiff).toBeLessThanOrEqual(1e-6);
    }
  });

  it('without conditioning too', async () => {
    const base = await run(windows, {});
    const together = await run(windows, { unetPlan: { windowsPerCall: 3, cfgTogether: true } });
    expect(Array.from(together.latents)).toEqual(Array.from(base.latents));
  });

  it('out of memory: the step is retried with a smaller plan, and the result is unchanged', async () => {
    const base = await run(windows, {});
    const shrunk: string[] = [];
    const limited = (maxBatch: number): Partial<DenoiseOptions> => {
      const inner = toyUnet([]);
      return {
        unet: {
          predict: (sample, ...rest) =>
            sample.shape[0] > maxBatch ? Promise.reject(appError('out-of-memory', 'GPU OOM', 'Failed to allocate')) : inner.predict(sample, ...rest),
        },
        unetPlan: { windowsPerCall: 3, cfgTogether: true },
        onPlanShrunk: (step, plan) => shrunk.push(`step ${step}: ${plan.windowsPerCall}${plan.cfgTogether ? 'T' : 'A'}`),
      };
    };
    const retried = await run(windows, limited(1));
    expect(shrunk).toEqual(['step 0: 1T', 'step 0: 1A']);
    expect(Array.from(retried.latents)).toEqual(Array.from(base.latents));
    await expect(run(windows, limited(0))).rejects.toMatchObject({ appError: { code: 'out-of-memory', message: expect.stringMatching(/Lower the width\/height first/) } });
    const broken: Partial<DenoiseOptions> = { unet: { predict: () => Promise.reject(new Error('bad graph')) }, onPlanShrunk: () => shrunk.push('no') };
    await expect(run(windows, broken)).rejects.toThrow('bad graph');
    expect(shrunk).not.toContain('no');
  });
});

describe('generateVideo with a memory planner', () => {
  it('runs the planned calls, logs the plan, and keeps a shrunk plan for the next shot', async () => {
    const calls: UnetCall[] = [];
    const nets = toyNetworks(calls);
    const inner = nets.unet;
    let failures = 1;
    nets.unet = {
      predict: (sample, ...rest) => (sample.shape[0] > 2 && failures-- > 0 ? Promise.reject(appError('out-of-memory', 'OOM')) : inner.predict(sample, ...rest)),
    };
    const rgba = new Uint8ClampedArray(64 * 64 * 4).map((_, i) => (i * 37) % 256);
    const tokenizer = { encode: () => [5, 6], bosTokenId: 49406, eosTokenId: 49407, padTokenId: 49407, maxLength: 77 } as unknown as ClipTokenizer;
    const logs: string[] = [];
    const planned: UnetCallFacts[] = [];
    const out = await generateVideo(
      nets, tokenizer, TOY_CONFIG,
      { image: { width: 64, height: 64, rgba }, prompt: 'p', negativePrompt: 'n', width: 64, height: 64, frames: 6, contextFrames: 4, contextOverlap: 2,
        steps: 2, guidanceScale: 3.5, seed: 3, fps: 8, motionSpeed: 8, wIndNoise: 0.5, imgWeight: 0, nBatch: 2 },
      (e) => {
        if (e.type === 'log') logs.push(`${e.level}: ${e.message}`);
        if (e.type === 'plan') logs.push(`plan ${e.windowsPerCall}${e.cfgTogether ? 'T' : 'A'}${e.shrunk ? ' shrunk' : ''}`);
      },
      undefined,
      (facts) => (planned.push(facts), { plan: { windowsPerCall: 2, cfgTogether: true }, summary: 'two windows' }),
    );
    expect(planned[0]).toEqual({ latentHeight: 8, latentWidth: 8, windowLengths: [4, 4], cfg: true, contextTokens: 77, frames: 6 });
    expect(logs).toEqual([
      'plan 2T',
      'info: Memory plan: two windows',
      'plan 1T shrunk',
      'warn: The GPU ran out of memory at step 1; retrying that step with 1 window per UNet call, guidance halves together.',
    ]);
    // shot 0: the failed call is not recorded, then 2 steps × 2 windows of batch 2; shot 1 keeps the smaller plan
    expect(calls.map((c) => c.sample.shape[0])).toEqual(Array(8).fill(2));
    expect(out.plan).toEqual({
      planned: { windowsPerCall: 2, cfgTogether: true }, final: { windowsPerCall: 1, cfgTogether: true }, callsPerStep: 1, summary: 'two windows', estimate: undefined,
    });
  });
});
