import { describe, expect, it } from 'vitest';
import golden from './__golden__/clip_image.json';
import { clipPixelValues, rgbaToRgbU8, shortestEdgeSize } from './clipImage';

// Golden values: models/golden/clip_image.py (Pillow + CLIPImageProcessor's steps in numpy).
const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));
const floats = (b64: string) => new Float32Array(bytes(b64).buffer);

describe('clipPixelValues (MMCM crop quirk + CLIPImageProcessor)', () => {
  for (const c of golden.clip) {
    it(`${c.w}x${c.h} → ${c.imageSize}`, () => {
      const got = clipPixelValues(bytes(c.src), c.w, c.h, { imageSize: c.imageSize, mean: golden.mean as [number, number, number], std: golden.std as [number, number, number] });
      expect(got.length).toBe(3 * c.imageSize * c.imageSize);
      const want = floats(c.pixelValues);
      let worst = 0;
      want.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - got[k * c.every]))));
      expect(worst).toBeLessThanOrEqual(1e-6);
    });
  }
  it('shortest edge: the short side becomes S, the long one int(S·long/short)', () => {
    expect(shortestEdgeSize(64, 64, 224)).toEqual([224, 224]);
    expect(shortestEdgeSize(128, 64, 224)).toEqual([448, 224]);
    expect(shortestEdgeSize(64, 100, 224)).toEqual([224, 350]);
  });
  it('worked example: grey 128 in red → 0.07630', () => {
    const rgb = new Uint8Array(4 * 4 * 3).fill(128);
    const v = clipPixelValues(rgb, 4, 4, { imageSize: 4, mean: golden.mean as [number, number, number], std: golden.std as [number, number, number] });
    expect(v[0]).toBeCloseTo(0.0763, 4);
  });
  it('composites alpha on white', () => {
    expect(Array.from(rgbaToRgbU8(Uint8Array.of(10, 20, 30, 255, 0, 0, 0, 0)))).toEqual([10, 20, 30, 255, 255, 255]);
  });
});
