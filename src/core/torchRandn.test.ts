import { describe, expect, it } from 'vitest';
import golden from './__golden__/torch_randn.json';
import { Mt19937 } from './mt19937';
import { torchRandn, torchRandnSeeded } from './torchRandn';

// Golden values: models/golden/torch_randn.py, real torch.randn on CPU with
// torch.Generator().manual_seed(seed), consecutive calls sharing one generator.

describe('torchRandn (golden, real torch)', () => {
  for (const c of golden.randn) {
    const label = c.calls.map((k) => `[${k.shape.join(',')}]`).join(' then ');
    it(`seed ${c.seed}: ${label}`, () => {
      const rng = new Mt19937(c.seed);
      for (const call of c.calls) {
        const got = torchRandn(call.shape, rng);
        expect(got.length).toBe(call.values.length);
        let maxErr = 0;
        for (let k = 0; k < got.length; k++) maxErr = Math.max(maxErr, Math.abs(got[k] - call.values[k]));
        expect(maxErr, `max |Δ| for shape [${call.shape}]`).toBeLessThanOrEqual(1e-6);
        // Same float32 operation order as torch's AVX2 kernel: most values are bit-identical
        // (the rest differ by 1 ulp from torch's polynomial log/sincos).
        const exact = got.filter((v, k) => v === Math.fround(call.values[k])).length;
        expect(exact / got.length).toBeGreaterThan(0.6);
      }
    });
  }
});

describe('torchRandn structure', () => {
  it('consumes numel (+16 when numel % 16 ≠ 0) generator words', () => {
    const a = new Mt19937(3);
    torchRandn([17], a);
    const b = new Mt19937(3);
    for (let i = 0; i < 33; i++) b.nextUint32();
    expect(a.nextUint32()).toBe(b.nextUint32());
  });

  it('numel = 17: only element 0 keeps its first-pass value', () => {
    const x17 = torchRandnSeeded([17], 11);
    const x16 = torchRandnSeeded([16], 11);
    expect(x17[0]).toBe(x16[0]);
    expect(x17[1]).not.toBe(x16[1]);
  });

  it('rejects tensors smaller than 16 elements and bad shapes', () => {
    expect(() => torchRandnSeeded([15], 0)).toThrow(/fewer than 16/);
    expect(() => torchRandnSeeded([4, -1], 0)).toThrow(/bad dimension/);
  });
});
