/**
 * Pixels <-> tensors, as MuseV/diffusers do them.
 *
 * rgbaToTensor: RGBA uint8 (H, W, 4) → (1, 3, H, W) float in [-1, 1]. Alpha is composited on white
 *   first (MMCM read_image_as_5d), then x/255·2 − 1 (diffusers VaeImageProcessor.normalize).
 *   Example: an opaque pixel (255, 0, 128) → (1, −1, 0.00392…); a fully transparent pixel → (1, 1, 1).
 * tensorToRgba: (1, 3, H, W) VAE output → RGBA uint8 with (x/2 + 0.5) clamped to [0, 1], then
 *   (x·255) truncated, not rounded (MuseV's `(x*255).astype(np.uint8)`): 0.999 → 254.
 */
export function rgbaToTensor(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): Float32Array {
  const n = width * height;
  if (rgba.length !== n * 4) throw new Error(`rgbaToTensor: expected ${n * 4} bytes for ${width}x${height}, got ${rgba.length}`);
  const out = new Float32Array(3 * n);
  for (let p = 0; p < n; p++) {
    const a = rgba[p * 4 + 3] / 255;
    for (let ch = 0; ch < 3; ch++) {
      const v = rgba[p * 4 + ch] * a + 255 * (1 - a);
      out[ch * n + p] = (v / 255) * 2 - 1;
    }
  }
  return out;
}

export function tensorToRgba(chw: Float32Array, width: number, height: number): Uint8ClampedArray {
  const n = width * height;
  if (chw.length !== n * 3) throw new Error(`tensorToRgba: expected ${n * 3} values for ${width}x${height}, got ${chw.length}`);
  const out = new Uint8ClampedArray(n * 4);
  for (let p = 0; p < n; p++) {
    for (let ch = 0; ch < 3; ch++) {
      const x = Math.min(1, Math.max(0, chw[ch * n + p] / 2 + 0.5));
      out[p * 4 + ch] = Math.trunc(Math.fround(x * 255));
    }
    out[p * 4 + 3] = 255;
  }
  return out;
}
