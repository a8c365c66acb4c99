// TODO(size): switch to `targetSize(w, h, { maxEdge })` / `centerCropBox` from src/core/size.ts
// (it has landed); these local stand-ins give the same numbers (MuseV rule: ratio = min(maxEdge /
// longest edge, 1), each side floored to a multiple of 64, never below 64; clean center crop).

export const SIZE_STEP = 64;

/**
 * Default generation size for an image: scale it down so its longest edge is at most `maxEdge`
 * (never up), then floor each side to a multiple of 64 (never below 64).
 *
 * Examples (maxEdge 256): 1024×768 → 256×192; 768×1024 → 192×256; 200×150 → 192×128 (no upscaling);
 * 100×80 → 64×64; 4000×500 → 256×64 (32 floors to 0, clamped to 64).
 */
export function defaultSizeForImage(imageW: number, imageH: number, maxEdge: number): { width: number; height: number } {
  const edge = Math.max(SIZE_STEP, Math.floor(maxEdge / SIZE_STEP) * SIZE_STEP);
  if (!(imageW > 0 && imageH > 0)) return { width: edge, height: edge };
  const scale = Math.min(1, maxEdge / Math.max(imageW, imageH));
  const snap = (v: number) => Math.max(SIZE_STEP, Math.floor((v * scale + 1e-6) / SIZE_STEP) * SIZE_STEP);
  return { width: snap(imageW), height: snap(imageH) };
}

export interface CropBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The largest centered box of the source with the destination's aspect ratio.
 * Example: 400×300 into 256×256 → {x: 50, y: 0, width: 300, height: 300}.
 */
export function centerCropBox(srcW: number, srcH: number, dstW: number, dstH: number): CropBox {
  const dstRatio = dstW / dstH;
  if (srcW / srcH > dstRatio) {
    const width = Math.min(srcW, Math.round(srcH * dstRatio));
    return { x: Math.floor((srcW - width) / 2), y: 0, width, height: srcH };
  }
  const height = Math.min(srcH, Math.round(srcW / dstRatio));
  return { x: 0, y: Math.floor((srcH - height) / 2), width: srcW, height };
}
