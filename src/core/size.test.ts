import { describe, expect, it } from 'vitest';
import golden from './__golden__/size.json';
import { centerCropBox, floorTo64, targetSize } from './size';

// Golden values: models/golden/size.py (MuseV's size rule and MMCM's crop box in Python).

describe('targetSize', () => {
  it(`matches MuseV's int(x·ratio // 64 · 64) for ${golden.sizes.length} cases`, () => {
    for (const s of golden.sizes) {
      const got = targetSize(s.w, s.h, { ratio: s.ratio, maxEdge: s.maxEdge ?? undefined });
      expect([got.width, got.height], `${s.w}x${s.h} r=${s.ratio} max=${s.maxEdge}`).toEqual([s.width, s.height]);
    }
  });

  it('doc examples', () => {
    expect(targetSize(512, 768)).toEqual({ width: 512, height: 768, ratio: 1 });
    expect(targetSize(1000, 750, { ratio: 0.5 })).toMatchObject({ width: 448, height: 320 });
    expect(targetSize(1920, 1080, { maxEdge: 1280 })).toMatchObject({ width: 1280, height: 704 });
    expect(targetSize(10, 10, { width: 100, height: 40 })).toMatchObject({ width: 64, height: 64 });
  });

  it('width and height fall back to the image size independently', () => {
    expect(targetSize(640, 480, { width: 512 })).toMatchObject({ width: 512, height: 448 });
    expect(targetSize(640, 480, { height: 768 })).toMatchObject({ width: 640, height: 768 });
  });

  it('maxEdge only lowers the ratio', () => {
    expect(targetSize(512, 512, { maxEdge: 1280, ratio: 1 }).ratio).toBe(1);
    expect(targetSize(2560, 1280, { maxEdge: 1280 }).ratio).toBe(0.5);
  });

  it('rejects non-positive inputs', () => {
    expect(() => targetSize(0, 10)).toThrow(/image width/);
    expect(() => targetSize(10, 10, { ratio: -1 })).toThrow(/ratio/);
    expect(() => targetSize(10, 10, { width: NaN })).toThrow(/width/);
    expect(floorTo64(127.9)).toBe(64);
    expect(floorTo64(128)).toBe(128);
  });
});

describe('centerCropBox', () => {
  it(`museVQuirk reproduces MMCM's box for ${golden.crops.length} cases`, () => {
    for (const c of golden.crops) {
      const b = centerCropBox(c.srcW, c.srcH, c.dstW, c.dstH, { museVQuirk: true });
      const [x1, y1, x2, y2] = c.box;
      expect(b, `${c.srcW}x${c.srcH} → ${c.dstW}x${c.dstH}`).toEqual({ x: x1, y: y1, width: x2 - x1, height: y2 - y1 });
    }
  });

  it('doc examples: clean vs MuseV', () => {
    expect(centerCropBox(640, 480, 512, 512)).toEqual({ x: 80, y: 0, width: 480, height: 480 });
    expect(centerCropBox(640, 480, 512, 512, { museVQuirk: true })).toEqual({ x: 80, y: 0, width: 480, height: 479 });
    expect(centerCropBox(512, 512, 512, 512)).toEqual({ x: 0, y: 0, width: 512, height: 512 });
    expect(centerCropBox(512, 512, 512, 512, { museVQuirk: true })).toEqual({ x: 0, y: 0, width: 511, height: 511 });
  });

  it('clean crop keeps the target aspect ratio and stays centered', () => {
    const b = centerCropBox(1080, 1920, 512, 768);
    expect(b).toEqual({ x: 0, y: 150, width: 1080, height: 1620 });
    expect(b.width / b.height).toBeCloseTo(512 / 768, 6);
    const wide = centerCropBox(1920, 1080, 448, 320);
    expect(wide).toEqual({ x: 204, y: 0, width: 1512, height: 1080 });
  });

  it('rejects non-integer sizes', () => {
    expect(() => centerCropBox(10.5, 10, 4, 4)).toThrow(/srcW/);
    expect(() => centerCropBox(10, 10, 0, 4)).toThrow(/dstW/);
  });
});
