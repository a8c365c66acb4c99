import { describe, expect, it } from 'vitest';
import { EncodeSpecError } from './ffmpegArgs';
import { concatFrames, validateFrames } from './rawFrames';

describe('concatFrames', () => {
  it('puts frame k at byte k * width*height*4 (3 frames of 2x2 -> 48 bytes)', () => {
    const frames = [0, 1, 2].map((k) => new Uint8ClampedArray(16).fill(10 + k));
    const out = concatFrames(frames, 2, 2);
    expect(out.byteLength).toBe(48);
    expect(out[0]).toBe(10);
    expect(out[15]).toBe(10);
    expect(out[16]).toBe(11);
    expect(out[32]).toBe(12);
    expect(out[47]).toBe(12);
  });

  it('respects views into larger buffers (byteOffset)', () => {
    const big = new Uint8ClampedArray(64).map((_, i) => i);
    const view = big.subarray(8, 24);
    const out = concatFrames([view], 2, 2);
    expect(Array.from(out.slice(0, 3))).toEqual([8, 9, 10]);
    expect(out[15]).toBe(23);
  });
});

describe('validateFrames', () => {
  it('rejects no frames', () => {
    expect(() => validateFrames([], 2, 2)).toThrow(EncodeSpecError);
  });
  it('names the frame with the wrong size', () => {
    const frames = [new Uint8ClampedArray(16), new Uint8ClampedArray(12)];
    expect(() => validateFrames(frames, 2, 2)).toThrow(/Frame 1 has 12 bytes; a 2x2 RGBA frame has 16/);
  });
});
