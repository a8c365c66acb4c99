import { describe, expect, it } from 'vitest';
import golden from './__golden__/noise.json';
import { Mt19937 } from './mt19937';
import { advanceStepNoise, applyImageBasedNoise, initialNoise, randomNoise, videoFusionNoise } from './noise';
import { torchRandn } from './torchRandn';

// Golden values: models/golden/noise.py (MuseV noise_util.py + prepare_latents in torch, CPU generator).

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}

describe('MuseV initial noise (golden)', () => {
  for (const c of golden.cases) {
    it(`seed ${c.seed} ${c.type} [${c.shape}]${c.cond_shape ? ` + image-based (cond [${c.cond_shape}], iw ${c.img_weight})` : ''}`, () => {
      const rng = new Mt19937(c.seed);
      const noise = initialNoise({ type: c.type as 'random' | 'video_fusion', shape: c.shape, wInd: c.w_ind_noise ?? undefined, rng });
      expect(maxAbsDiff(noise, c.noise)).toBeLessThanOrEqual(1e-6);
      if (c.cond_shape && c.cond && c.img_based && c.img_weight != null) {
        const out = applyImageBasedNoise(noise, c.shape, Float32Array.from(c.cond), c.cond_shape, c.img_weight);
        expect(maxAbsDiff(out, c.img_based)).toBeLessThanOrEqual(1e-6);
      }
      // The generator is left where torch leaves it.
      expect(maxAbsDiff(torchRandn([16], rng), c.next_randn16)).toBeLessThanOrEqual(1e-6);
    });
  }
});

describe('videoFusionNoise structure', () => {
  it('draws n_common (b,c,1,h,w) first, then n_ind, and mixes them with √(1−w), √w', () => {
    const shape = [1, 2, 3, 2, 4];
    const out = videoFusionNoise({ shape, wInd: 0.5, rng: new Mt19937(3) });
    const rng = new Mt19937(3);
    const common = torchRandn([1, 2, 1, 2, 4], rng);
    const ind = torchRandn(shape, rng);
    const a = Math.fround(Math.SQRT1_2);
    // element (c=1, t=2, y=1, x=3): flat index ((1·3 + 2)·2 + 1)·4 + 3 = 47; common index (1·2 + 1)·4 + 3 = 15
    expect(out[47]).toBeCloseTo(a * common[15] + a * ind[47], 6);
  });

  it('w = 0 gives identical frames; w = 1 gives plain n_ind', () => {
    const shape = [1, 1, 3, 4, 4];
    const same = videoFusionNoise({ shape, wInd: 0, rng: new Mt19937(1) });
    expect(Array.from(same.subarray(0, 16))).toEqual(Array.from(same.subarray(32, 48)));
    const ind = videoFusionNoise({ shape, wInd: 1, rng: new Mt19937(1) });
    const rng = new Mt19937(1);
    torchRandn([1, 1, 1, 4, 4], rng);
    expect(Array.from(ind)).toEqual(Array.from(torchRandn(shape, rng)));
  });

  it('uses a given common noise instead of drawing it', () => {
    const shape = [1, 1, 2, 4, 4];
    const common = new Float32Array(16).fill(2);
    const out = videoFusionNoise({ shape, wInd: 0.5, rng: new Mt19937(4), commonNoise: common });
    const ind = torchRandn(shape, new Mt19937(4));
    expect(out[5]).toBeCloseTo(Math.SQRT1_2 * 2 + Math.SQRT1_2 * ind[5], 6);
    expect(() => videoFusionNoise({ shape, wInd: 0.5, rng: new Mt19937(4), commonNoise: new Float32Array(3) })).toThrow(/commonNoise/);
  });

  it('validates shapes and weights', () => {
    expect(() => videoFusionNoise({ shape: [1, 4, 4, 4], wInd: 0.5, rng: new Mt19937(0) })).toThrow(/\(b, c, t, h, w\)/);
    expect(() => videoFusionNoise({ shape: [1, 4, 2, 4, 4], wInd: 1.5, rng: new Mt19937(0) })).toThrow(/wInd/);
    expect(() => randomNoise({ shape: [1, 0, 2, 4, 4], rng: new Mt19937(0) })).toThrow(/positive/);
    expect(() => initialNoise({ type: 'pyramid' as 'random', shape: [1, 4, 2, 4, 4], rng: new Mt19937(0) })).toThrow(/unknown noise type/);
  });
});

describe('applyImageBasedNoise', () => {
  it('matches the doc example: C̄ = 2, n = 1, iw = 1e-3 → 1.0627454', () => {
    const noise = new Float32Array([1, 1]);
    const cond = new Float32Array([2]);
    const out = applyImageBasedNoise(noise, [1, 1, 2, 1, 1], cond, [1, 1, 1, 1, 1], 1e-3);
    expect(out[0]).toBeCloseTo(1.0627454, 6);
    expect(out[1]).toBe(out[0]);
  });

  it('averages several condition frames and broadcasts a batch-1 condition', () => {
    const noise = new Float32Array(4); // b = 2, t = 2, c = h = w = 1
    const cond = new Float32Array([1, 3]); // nv = 2 → C̄ = 2
    const out = applyImageBasedNoise(noise, [2, 1, 2, 1, 1], cond, [1, 1, 2, 1, 1], 0.25);
    expect(Array.from(out)).toEqual([1, 1, 1, 1]);
  });

  it('rejects mismatched shapes', () => {
    expect(() => applyImageBasedNoise(new Float32Array(8), [1, 2, 1, 2, 2], new Float32Array(4), [1, 1, 1, 2, 2], 0.1)).toThrow(/does not match/);
    expect(() => applyImageBasedNoise(new Float32Array(7), [1, 2, 1, 2, 2], new Float32Array(8), [1, 2, 1, 2, 2], 0.1)).toThrow(/noise has 7/);
    expect(() => applyImageBasedNoise(new Float32Array(8), [1, 2, 1, 2, 2], new Float32Array(8), [1, 2, 1, 2, 2], -1)).toThrow(/imgWeight/);
  });
});

describe('advanceStepNoise (the Euler step draw that only moves the generator)', () => {
  const shape = [1, 4, 3, 2, 3]; // numel 72 (tail refill), common (1,4,1,2,3) = 24 (tail refill)
  it("'random' moves the generator like one torch.randn(shape)", () => {
    const a = new Mt19937(9);
    const b = new Mt19937(9);
    advanceStepNoise({ type: 'random', shape, rng: a });
    torchRandn(shape, b);
    expect(Array.from(torchRandn([16], a))).toEqual(Array.from(torchRandn([16], b)));
  });
  it("'video_fusion' moves it like videoFusionNoise (common, then individual)", () => {
    const a = new Mt19937(9);
    const b = new Mt19937(9);
    advanceStepNoise({ type: 'video_fusion', shape, rng: a });
    videoFusionNoise({ shape, wInd: 0.5, rng: b });
    expect(Array.from(torchRandn([16], a))).toEqual(Array.from(torchRandn([16], b)));
  });
});
