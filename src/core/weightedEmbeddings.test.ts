import { describe, expect, it } from 'vitest';
import { applyPromptWeights, concatRows } from './weightedEmbeddings';

const mean = (x: ArrayLike<number>) => Array.from(x).reduce((s, v) => s + v, 0) / x.length;

describe('applyPromptWeights (E·w, then × mean before / mean after)', () => {
  it('worked example of the doc comment', () => {
    const out = applyPromptWeights(Float32Array.of(1, 3, 2, 2), [1, 2], 2);
    const r = Math.fround(2 / 3);
    expect(Array.from(out)).toEqual([Math.fround(1 * r), Math.fround(3 * r), Math.fround(4 * r), Math.fround(4 * r)]);
    expect(mean(out)).toBeCloseTo(2, 6);
  });
  it('keeps the global mean and the per-position ratios', () => {
    const L = 7;
    const D = 5;
    const E = Float32Array.from({ length: L * D }, (_, i) => Math.sin(i) + 0.7);
    const w = [1, 1.1, 1.21, 1 / 1.1, 2, 1, 0.5];
    const out = applyPromptWeights(E, w, D);
    expect(mean(out)).toBeCloseTo(mean(E), 6);
    const s = out[0] / E[0];
    for (let l = 0; l < L; l++) for (let d = 0; d < D; d++) expect(out[l * D + d] / E[l * D + d]).toBeCloseTo(w[l] * s, 5);
  });
  it('all weights 1 leave E bit for bit', () => {
    const E = Float32Array.from({ length: 77 * 8 }, (_, i) => Math.cos(i * 0.37) - 0.2);
    expect(applyPromptWeights(E, new Array(77).fill(1), 8)).toEqual(E);
  });
  it('weights are float32 values, as in the torch fp32 path', () => {
    // 1.1 in float32 is 1.10000002384…; with a second position at weight 1 the ratio shows it
    const out = applyPromptWeights(Float32Array.of(1, 1), [1.1, 1], 1);
    const w = Math.fround(1.1);
    const ratio = Math.fround(1 / Math.fround(Math.fround(w + 1) / 2));
    expect(out[0]).toBe(Math.fround(w * ratio));
  });
  it('does not change its input and checks the shape', () => {
    const E = Float32Array.of(1, 2, 3, 4);
    applyPromptWeights(E, [2, 1], 2);
    expect(Array.from(E)).toEqual([1, 2, 3, 4]);
    expect(() => applyPromptWeights(E, [1, 1, 1], 2)).toThrow(/3 positions × 2/);
  });
});

describe('concatRows', () => {
  it('stacks [negative, prompt] in order', () => {
    expect(Array.from(concatRows([Float32Array.of(1, 2), Float32Array.of(3), new Float32Array(0)]))).toEqual([1, 2, 3]);
  });
});
