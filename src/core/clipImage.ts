/**
 * The IP-Adapter image's way into CLIP (spec §4.8; MMCM ImageClipVisionFeatureExtractor.extract_images
 * with transformers' default CLIPImageProcessor), as pure pixel math.
 *
 * Steps, on an 8-bit RGB image of the generation size W×H:
 *   1. MMCM dynamic_crop_resize_image(target W×H): crop box with MMCM's quirk (centerCropBox
 *      museVQuirk: the last column and row are dropped, so (W−1)×(H−1)), then Pillow bicubic back to W×H
 *   2. shortest edge → S bicubic (Pillow): the short side becomes S, the long one int(S·long/short)
 *   3. center crop S×S: top = (h − S) // 2, left = (w − S) // 2 (transformers' center_crop)
 *   4. x/255, then (x − mean_c)/std_c per channel; layout (3, S, S)
 * Worked example (S = 224, mean/std of OpenAI CLIP): a mid-grey 128 pixel in the red channel gives
 * (128/255 − 0.48145466)/0.26862954 = 0.07630.
 * `cropQuirk: false` skips step 1 (for images that never went through MMCM).
 */
import { cropU8, resizeBicubicU8 } from './pilResize';
import { centerCropBox } from './size';

export interface ClipImageOptions {
  imageSize: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  cropQuirk?: boolean;
}

/** transformers get_resize_output_image_size(size=S, default_to_square=False): (outW, outH). */
export function shortestEdgeSize(w: number, h: number, s: number): [number, number] {
  const short = Math.min(w, h);
  const long = Math.max(w, h);
  const newLong = Math.trunc((s * long) / short);
  return w <= h ? [s, newLong] : [newLong, s];
}

/** RGBA → RGB uint8, alpha composited on white (MuseV reads images that way). */
export function rgbaToRgbU8(rgba: Uint8ClampedArray | Uint8Array): Uint8Array {
  const n = rgba.length / 4;
  const out = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) {
    const a = rgba[p * 4 + 3] / 255;
    for (let c = 0; c < 3; c++) out[p * 3 + c] = a === 1 ? rgba[p * 4 + c] : Math.round(rgba[p * 4 + c] * a + 255 * (1 - a));
  }
  return out;
}

/** 8-bit RGB (interleaved, w×h) → CLIP pixel_values (3, S, S), float32. */
export function clipPixelValues(rgb: Uint8Array, w: number, h: number, o: ClipImageOptions): Float32Array {
  if (rgb.length !== w * h * 3) throw new Error(`clipPixelValues: expected ${w * h * 3} values for ${w}x${h} RGB, got ${rgb.length}`);
  let img = rgb;
  if (o.cropQuirk ?? true) {
    const box = centerCropBox(w, h, w, h, { museVQuirk: true });
    img = resizeBicubicU8(cropU8(img, w, 3, box), box.width, box.height, 3, w, h);
  }
  const S = o.imageSize;
  const [rw, rh] = shortestEdgeSize(w, h, S);
  img = resizeBicubicU8(img, w, h, 3, rw, rh);
  const top = Math.floor((rh - S) / 2);
  const left = Math.floor((rw - S) / 2);
  const out = new Float32Array(3 * S * S);
  const f = Math.fround;
  for (let c = 0; c < 3; c++) {
    const m = f(o.mean[c]);
    const sd = f(o.std[c]);
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const v = f(img[((top + y) * rw + left + x) * 3 + c] * (1 / 255)); // numpy: uint8 · float64, then float32
        out[(c * S + y) * S + x] = f(f(v - m) / sd);
      }
    }
  }
  return out;
}
