import { describe, expect, it } from 'vitest';
import { concatFrames, divideByCount, dropFrames, gatherFrames, repeatBatch, scatterAddFrames, withFrames } from './latents';

// Small hand-built tensors. x has shape [1, 2, 3, 1, 2]: value = 100·channel + 10·frame + pixel.
const xShape = [1, 2, 3, 1, 2];
const x = Float32Array.from([0, 1, 10, 11, 20, 21, 100, 101, 110, 111, 120, 121]);

describe('gatherFrames', () => {
  it('picks frames in the given order, per channel', () => {
    expect(Array.from(gatherFrames(x, xShape, [2, 0]))).toEqual([20, 21, 0, 1, 120, 121, 100, 101]);
  });
  it('handles batch > 1 and repeated indices', () => {
    const two = repeatBatch(x, xShape, 2);
    const g = gatherFrames(two, [2, 2, 3, 1, 2], [1, 1]);
    expect(Array.from(g)).toEqual([10, 11, 10, 11, 110, 111, 110, 111, 10, 11, 10, 11, 110, 111, 110, 111]);
  });
  it('rejects out-of-range indices and wrong sizes', () => {
    expect(() => gatherFrames(x, xShape, [3])).toThrow(/outside 0..2/);
    expect(() => gatherFrames(x, [1, 2, 2, 1, 2], [0])).toThrow(/12 values/);
    expect(() => gatherFrames(x, [2, 3, 2], [0])).toThrow(/\(b, c, t, h, w\)/);
  });
});

describe('concatFrames', () => {
  it('prepends the condition frame along t (doc example)', () => {
    const C = Float32Array.from([-1, -2, -3, -4]); // [1, 2, 1, 1, 2]
    const out = concatFrames(C, [1, 2, 1, 1, 2], x, xShape);
    expect(Array.from(out)).toEqual([-1, -2, 0, 1, 10, 11, 20, 21, -3, -4, 100, 101, 110, 111, 120, 121]);
  });
  it('works with batch 2 (CFG) and rejects mismatched shapes', () => {
    const a = Float32Array.from([1, 2]); // [2, 1, 1, 1, 1]
    const b = Float32Array.from([3, 4, 5, 6]); // [2, 1, 2, 1, 1]
    expect(Array.from(concatFrames(a, [2, 1, 1, 1, 1], b, [2, 1, 2, 1, 1]))).toEqual([1, 3, 4, 2, 5, 6]);
    expect(() => concatFrames(a, [2, 1, 1, 1, 1], b, [1, 1, 4, 1, 1])).toThrow(/differ outside the frame axis/);
  });
});

describe('scatterAddFrames / divideByCount', () => {
  it('accumulates overlapping windows and averages them (spec §1.4)', () => {
    // N = 4 frames, one channel, one pixel; windows [0,1,2] and [2,3] with constant predictions.
    const shape = [1, 1, 4, 1, 1];
    const acc = new Float32Array(4);
    const count = new Float32Array(4);
    scatterAddFrames(acc, shape, Float32Array.from([1, 1, 1]), [0, 1, 2], count);
    scatterAddFrames(acc, shape, Float32Array.from([3, 3]), [2, 3], count);
    expect(Array.from(acc)).toEqual([1, 1, 4, 3]);
    expect(Array.from(count)).toEqual([1, 1, 2, 1]);
    divideByCount(acc, shape, count);
    expect(Array.from(acc)).toEqual([1, 1, 2, 3]);
  });
  it('maps part frames to the right channel and batch rows', () => {
    const shape = [2, 2, 3, 1, 1];
    const acc = new Float32Array(12);
    // part (2, 2, 2, 1, 1) for frames [2, 0]: values 1..8
    scatterAddFrames(acc, shape, Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), [2, 0]);
    expect(Array.from(acc)).toEqual([2, 0, 1, 4, 0, 3, 6, 0, 5, 8, 0, 7]);
  });
  it('a repeated index: last occurrence wins, counted once (torch x[:, :, c] = x[:, :, c] + part)', () => {
    const acc = Float32Array.from([10, 20]);
    const count = [0, 0];
    scatterAddFrames(acc, [1, 1, 2, 1, 1], Float32Array.from([1, 2, 5]), [0, 1, 0], count);
    expect(Array.from(acc)).toEqual([15, 22]);
    expect(count).toEqual([1, 1]);
  });
  it('rejects bad sizes and uncovered frames', () => {
    expect(() => scatterAddFrames(new Float32Array(4), [1, 1, 4, 1, 1], new Float32Array(3), [0, 1])).toThrow(/part has 3/);
    expect(() => scatterAddFrames(new Float32Array(4), [1, 1, 4, 1, 1], new Float32Array(1), [0], new Float32Array(3))).toThrow(/count has 3/);
    expect(() => divideByCount(new Float32Array(2), [1, 1, 2, 1, 1], [1, 0])).toThrow(/frame 1 is covered by no window/);
  });
});

describe('repeatBatch / dropFrames / withFrames', () => {
  it('repeatBatch stacks copies along the batch', () => {
    expect(Array.from(repeatBatch(Float32Array.from([1, 2]), [1, 1, 2, 1, 1], 3))).toEqual([1, 2, 1, 2, 1, 2]);
    expect(() => repeatBatch(Float32Array.from([1, 2]), [1, 1, 2, 1, 1], 0)).toThrow(/positive/);
  });
  it('dropFrames removes the listed frames and keeps the order', () => {
    expect(Array.from(dropFrames(x, xShape, [0]))).toEqual([10, 11, 20, 21, 110, 111, 120, 121]);
    expect(Array.from(dropFrames(x, xShape, [1, 2]))).toEqual([0, 1, 100, 101]);
  });
  it('withFrames swaps the frame count', () => {
    expect(withFrames([1, 4, 12, 8, 8], 5)).toEqual([1, 4, 5, 8, 8]);
  });
});
