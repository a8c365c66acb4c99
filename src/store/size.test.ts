import { describe, expect, it } from 'vitest';
import { centerCropBox, defaultSizeForImage } from './size';

describe('defaultSizeForImage', () => {
  it('scales the longest edge to maxEdge and floors to multiples of 64', () => {
    expect(defaultSizeForImage(1024, 768, 256)).toEqual({ width: 256, height: 192 });
    expect(defaultSizeForImage(768, 1024, 256)).toEqual({ width: 192, height: 256 });
    expect(defaultSizeForImage(1000, 1000, 256)).toEqual({ width: 256, height: 256 });
    expect(defaultSizeForImage(256, 256, 256)).toEqual({ width: 256, height: 256 });
    expect(defaultSizeForImage(1920, 1080, 512)).toEqual({ width: 512, height: 256 });
  });
  it('never scales up and never goes below 64', () => {
    expect(defaultSizeForImage(200, 150, 256)).toEqual({ width: 192, height: 128 });
    expect(defaultSizeForImage(100, 80, 256)).toEqual({ width: 64, height: 64 });
    expect(defaultSizeForImage(4000, 500, 256)).toEqual({ width: 256, height: 64 });
    expect(defaultSizeForImage(1, 1, 256)).toEqual({ width: 64, height: 64 });
  });
  it('floors a maxEdge that is not a multiple of 64', () => {
    expect(defaultSizeForImage(500, 500, 300)).toEqual({ width: 256, height: 256 });
    expect(defaultSizeForImage(500, 500, 10)).toEqual({ width: 64, height: 64 });
  });
  it('agrees with src/core/size.ts targetSize(w, h, { maxEdge })', async () => {
    const core = await import('../core/size');
    for (const [w, h] of [[1024, 768], [768, 1024], [200, 150], [100, 80], [4000, 500], [1920, 1080], [257, 999]]) {
      const { width, height } = core.targetSize(w, h, { maxEdge: 256 });
      expect(defaultSizeForImage(w, h, 256)).toEqual({ width, height });
      expect(centerCropBox(w, h, width, height)).toEqual(core.centerCropBox(w, h, width, height));
    }
  });
  it('every result is a multiple of 64 with the longest edge <= maxEdge', () => {
    for (let w = 1; w < 3000; w += 97) {
      for (let h = 1; h < 3000; h += 89) {
        const s = defaultSizeForImage(w, h, 256);
        expect(s.width % 64).toBe(0);
        expect(s.height % 64).toBe(0);
        expect(Math.max(s.width, s.height)).toBeLessThanOrEqual(256);
        expect(Math.min(s.width, s.height)).toBeGreaterThanOrEqual(64);
      }
    }
  });
});

describe('centerCropBox', () => {
  it('crops the long side, centered', () => {
    expect(centerCropBox(400, 300, 256, 256)).toEqual({ x: 50, y: 0, width: 300, height: 300 });
    expect(centerCropBox(300, 400, 256, 256)).toEqual({ x: 0, y: 50, width: 300, height: 300 });
    expect(centerCropBox(1000, 1000, 256, 128)).toEqual({ x: 0, y: 250, width: 1000, height: 500 });
  });
  it('keeps the whole image when the ratios match', () => {
    expect(centerCropBox(1024, 768, 256, 192)).toEqual({ x: 0, y: 0, width: 1024, height: 768 });
  });
});
