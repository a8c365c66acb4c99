import { describe, expect, it } from 'vitest';
import golden from './__golden__/clip_image.json';
import { cropU8, resizeBicubicU8 } from './pilResize';

// Golden values: models/golden/clip_image.py (Pillow's own BICUBIC resize).
const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

describe('resizeBicubicU8 (Pillow BICUBIC, bit for bit)', () => {
  for (const c of golden.resize) {
    it(`${c.w}x${c.h} → ${c.outW}x${c.outH}`, () => {
      const out = resizeBicubicU8(bytes(c.src), c.w, c.h, 3, c.outW, c.outH);
      expect(Array.from(out)).toEqual(Array.from(bytes(c.out)));
    });
  }
  it('worked example: [0, 255] → [0, 53, 202, 255]', () => {
    expect(Array.from(resizeBicubicU8(Uint8Array.of(0, 255), 2, 1, 1, 4, 1))).toEqual([0, 53, 202, 255]);
  });
  it('same size is a copy; crop takes the box', () => {
    const src = Uint8Array.from({ length: 12 }, (_, i) => i);
    expect(Array.from(resizeBicubicU8(src, 2, 2, 3, 2, 2))).toEqual(Array.from(src));
    expect(Array.from(cropU8(src, 2, 3, { x: 1, y: 1, width: 1, height: 1 }))).toEqual([9, 10, 11]);
  });
});
