import { describe, expect, it } from 'vitest';
import { concatBatch, itemSize, sliceBatch, tileBatch, tileHalves } from './batch';

const x = Float32Array.from([1, 2, 3, 4, 5, 6]); // (2, 3)

describe('batch helpers', () => {
  it('follow the worked example', () => {
    expect(Array.from(tileBatch(x, [2, 3], 2))).toEqual([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6]);
    expect(Array.from(sliceBatch(x, [2, 3], 1, 1))).toEqual([4, 5, 6]);
    expect(Array.from(concatBatch([x, x]))).toEqual(Array.from(tileBatch(x, [2, 3], 2)));
    expect(itemSize([2, 4, 13, 40, 64])).toBe(4 * 13 * 40 * 64);
  });

  it('refuses shapes that do not match', () => {
    expect(() => tileBatch(x, [3, 3], 2)).toThrow(/6 values for shape \[3,3\]/);
    expect(() => sliceBatch(x, [2, 3], 1, 2)).toThrow(/items \[1, 3\) of a batch of 2/);
  });
});

describe('tileHalves', () => {
  it('takes items of the batch and tiles them, or returns the tensor itself', () => {
    const t = { data: x, shape: [2, 3] };
    expect(tileHalves(t, 0, 2, 1)).toBe(t);
    expect(tileHalves(t, 1, 1, 2)).toEqual({ data: Float32Array.from([4, 5, 6, 4, 5, 6]), shape: [2, 3] });
    expect(tileHalves(t, 0, 2, 2).shape).toEqual([4, 3]);
  });
});
