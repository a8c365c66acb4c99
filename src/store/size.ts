import { centerCropBox as coreCenterCropBox, targetSize, type CropBox } from '../core/size';

export type { CropBox };

/**
 * Default generation size for an image: MuseV's rule from src/core/size.ts (gradio's max edge caps
 * the ratio, never upscales, each side floored to a multiple of 64, never below 64).
 *
 * Examples (maxEdge 256): 1024×768 → 256×192; 768×1024 → 192×256; 200×150 → 192×128 (no upscaling);
 * 100×80 → 64×64; 4000×500 → 256×64 (32 floors to 0, clamped to 64).
 */
export function defaultSizeForImage(imageW: number, imageH: number, maxEdge: number): { width: number; height: number } {
  if (!(imageW > 0 && imageH > 0)) {
    const edge = Math.max(64, Math.floor(maxEdge / 64) * 64);
    return { width: edge, height: edge };
  }
  const { width, height } = targetSize(imageW, imageH, { maxEdge });
  return { width, height };
}

/** The centered crop of the target aspect ratio (clean box; see core's note on MuseV's quirk). */
export function centerCropBox(srcW: number, srcH: number, dstW: number, dstH: number): CropBox {
  return coreCenterCropBox(srcW, srcH, dstW, dstH);
}
