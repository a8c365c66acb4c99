import { describe, expect, it } from 'vitest';
import { rgbaToTensor, tensorToRgba } from './imageTensor';

describe('rgbaToTensor', () => {
  it('maps opaque pixels to [-1, 1] planes (CHW)', () => {
    // 2x1 image: (255, 0, 128, 255), (0, 255, 0, 255)
    const t = rgbaToTensor(new Uint8ClampedArray([255, 0, 128, 255, 0, 255, 0, 255]), 2, 1);
    expect(Array.from(t)).toEqual([1, -1, -1, 1, (128 / 255) * 2 - 1, -1].map(Math.fround));
  });
  it('composites transparency on white', () => {
    const t = rgbaToTensor(new Uint8ClampedArray([0, 0, 0, 0, 0, 0, 0, 51]), 2, 1);
    // fully transparent → white (1); alpha 0.2 black → 0.8 white → 0.6
    expect(t[0]).toBe(1);
    expect(t[1]).toBeCloseTo(0.6, 6);
  });
  it('rejects a buffer of the wrong size', () => {
    expect(() => rgbaToTensor(new Uint8ClampedArray(7), 2, 1)).toThrow(/expected 8 bytes/);
  });
});

describe('tensorToRgba', () => {
  it('clamps and truncates like (x*255).astype(uint8)', () => {
    // one pixel, channels: 1.5 (clamps to 255), -0.002 → 0.499 → 127.245 → 127, 0.998 → 0.999 → 254.745 → 254
    const rgba = tensorToRgba(new Float32Array([1.5, -0.002, 0.998]), 1, 1);
    expect(Array.from(rgba)).toEqual([255, 127, 254, 255]);
  });
});
