/**
 * Output size and the condition-image crop, as MuseV computes them (spec §0 steps 2-3).
 *
 * Notation:
 *   W0, H0   condition image size (pixels)
 *   W, H     base size: the requested width/height, each falling back to W0/H0 on its own
 *   r        img_length_ratio (default 1); with maxEdge (gradio's max_image_edge), the effective
 *            ratio is min(maxEdge / max(W, H), r)
 *   W', H'   output size = int(W·r // 64 · 64), int(H·r // 64 · 64), clamped to ≥ 64
 *
 * Worked examples:
 *   image 512×768, no options          → 512×768
 *   image 1000×750, ratio 0.5          → 500 // 64 = 7 → 448;  375 // 64 = 5 → 320   → 448×320
 *   image 1920×1080, maxEdge 1280      → r = 1280/1920 = 0.6667 → 1280×704 (720 → 704)
 *   width 100, height 40 (image 10×10) → 64×64 (never below 64)
 *
 * Center crop (MMCM `dynamic_crop_resize_image`): the largest box of the target aspect ratio
 * W'/H' centered in the source, then resized to W'×H' (resizing is not done here).
 *   Source wider than the target (W0/H0 ≥ W'/H'): full height, width H0·W'/H'; else full width.
 *   MuseV quirk (option museVQuirk): the box is (x1, y1, x2, y2) with x1 = ceil((W0 − H0·W'/H')/2),
 *   x2 = ceil(W0 − (W0 − H0·W'/H')/2), y1 = 0, y2 = H0 − 1 (mirrored for taller sources), then
 *   x2 ≤ W0 − 1 and y2 ≤ H0 − 1; PIL's crop excludes x2 and y2, so the last pixel row (and the
 *   last column whenever the box would reach it) is always dropped before the resize.
 *   Example 640×480 → 512×512: clean crop x 80, y 0, 480×480; MuseV crop x 80, y 0, 480×479.
 *   Example 512×512 → 512×512: clean crop is the whole image; MuseV crop 511×511 at (0, 0).
 */

export interface TargetSizeOptions {
  /** Requested base width; defaults to the image width (MuseV task `width`). */
  width?: number;
  /** Requested base height; defaults to the image height (MuseV task `height`). */
  height?: number;
  /** img_length_ratio (default 1). */
  ratio?: number;
  /** gradio's max_image_edge: caps the ratio at maxEdge / max(W, H). */
  maxEdge?: number;
}

export interface TargetSize {
  width: number;
  height: number;
  /** The ratio actually applied. */
  ratio: number;
}

function positive(name: string, v: number, who: string): void {
  if (!(Number.isFinite(v) && v > 0)) throw new Error(`${who}: ${name} must be a positive number, got ${v}`);
}

/** MuseV's `int(x · ratio // 64 · 64)`, never below 64. */
export function floorTo64(x: number): number {
  return Math.max(64, Math.floor(x / 64) * 64);
}

export function targetSize(imageW: number, imageH: number, opts: TargetSizeOptions = {}): TargetSize {
  positive('image width', imageW, 'targetSize');
  positive('image height', imageH, 'targetSize');
  const w = opts.width ?? imageW;
  const h = opts.height ?? imageH;
  positive('width', w, 'targetSize');
  positive('height', h, 'targetSize');
  let ratio = opts.ratio ?? 1;
  positive('ratio', ratio, 'targetSize');
  if (opts.maxEdge !== undefined) {
    positive('maxEdge', opts.maxEdge, 'targetSize');
    ratio = Math.min(opts.maxEdge / Math.max(w, h), ratio);
  }
  return { width: floorTo64(w * ratio), height: floorTo64(h * ratio), ratio };
}

export interface CropBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The crop rectangle of aspect dstW/dstH centered in a srcW×srcH image.
 * `museVQuirk: true` reproduces MMCM's box exactly, including the dropped last row/column.
 */
export function centerCropBox(srcW: number, srcH: number, dstW: number, dstH: number, opts: { museVQuirk?: boolean } = {}): CropBox {
  for (const [n, v] of [['srcW', srcW], ['srcH', srcH], ['dstW', dstW], ['dstH', dstH]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`centerCropBox: ${n} must be a positive integer, got ${v}`);
  }
  const wider = srcW / srcH >= dstW / dstH;
  if (opts.museVQuirk) {
    let x1: number, x2: number, y1: number, y2: number;
    if (wider) {
      y1 = 0;
      y2 = srcH - 1;
      x1 = Math.ceil((srcW - (srcH * dstW) / dstH) / 2);
      x2 = Math.ceil(srcW - (srcW - (srcH * dstW) / dstH) / 2);
    } else {
      x1 = 0;
      x2 = srcW - 1;
      y1 = Math.ceil((srcH - (srcW * dstH) / dstW) / 2);
      y2 = Math.ceil(srcH - (srcH - (srcW * dstH) / dstW) / 2);
    }
    x1 = Math.max(0, x1);
    x2 = Math.min(x2, srcW - 1);
    y1 = Math.max(0, y1);
    y2 = Math.min(y2, srcH - 1);
    return { x: x1, y: y1, width: x2 - x1, height: y2 - y1 };
  }
  if (wider) {
    const width = Math.max(1, Math.min(srcW, Math.round((srcH * dstW) / dstH)));
    return { x: Math.floor((srcW - width) / 2), y: 0, width, height: srcH };
  }
  const height = Math.max(1, Math.min(srcH, Math.round((srcW * dstH) / dstW)));
  return { x: 0, y: Math.floor((srcH - height) / 2), width: srcW, height };
}
