import { centerCropBox } from './size';

/**
 * Center-crop RGBA pixels to the target aspect ratio and resize to width×height
 * (browser only: OffscreenCanvas, imageSmoothingQuality 'high'). Returns a fresh buffer that the
 * caller may transfer to the generator worker.
 */
export function cropResizeRgba(
  src: { width: number; height: number; rgba: Uint8ClampedArray<ArrayBuffer> },
  width: number,
  height: number,
): Uint8ClampedArray {
  const source = new OffscreenCanvas(src.width, src.height);
  const sctx = source.getContext('2d');
  const target = new OffscreenCanvas(width, height);
  const tctx = target.getContext('2d', { willReadFrequently: true });
  if (!sctx || !tctx) throw { code: 'internal', message: 'This browser cannot resize images (no 2D canvas).' };
  sctx.putImageData(new ImageData(src.rgba, src.width, src.height), 0, 0);
  const box = centerCropBox(src.width, src.height, width, height);
  tctx.imageSmoothingEnabled = true;
  tctx.imageSmoothingQuality = 'high';
  tctx.drawImage(source, box.x, box.y, box.width, box.height, 0, 0, width, height);
  return tctx.getImageData(0, 0, width, height).data;
}
