/**
 * Pillow's `Image.resize(size, Image.BICUBIC)` on 8-bit images, bit for bit (libImaging/Resample.c,
 * Pillow 7+): a separable convolution, horizontal pass first, each pass rounding to uint8.
 *
 * Notation (one axis; the other is the same):
 *   n_in, n_out   sizes;  scale = n_in / n_out;  fs = max(scale, 1) (filter stretch when shrinking)
 *   support       2·fs (bicubic support 2);  center_j = (j + 0.5)·scale for output pixel j
 *   taps          i = xmin .. xmin + len − 1 with xmin = max(0, int(center − support + 0.5)),
 *                 xmax = min(n_in, int(center + support + 0.5)); int() truncates toward zero
 *   k_i           cubic((i − center + 0.5)/fs), a = −0.5:
 *                 |x| < 1: (a + 2)|x|³ − (a + 3)|x|² + 1;  |x| < 2: a(|x|³ − 5|x|² + 8|x| − 4);  else 0
 *                 normalised to sum 1, then fixed point: K_i = trunc(k_i·2²² ± 0.5) (sign of k_i)
 *   output        clamp(floor((2²¹ + Σ K_i·p_i) / 2²²), 0, 255)
 * Worked example: 2 → 4 pixels [0, 255]: scale 0.5; output 1 has center 0.75, taps 0..1 with raw
 * weights cubic(−0.25) = 0.8671875, cubic(0.75) = 0.2265625 → normalised 0.7929, 0.2071 → 52.8 → 53;
 * the full row is [0, 53, 202, 255], as Pillow gives (pilResize.test.ts).
 * Images are interleaved, `channels` values per pixel, rows top to bottom.
 */

const PRECISION_BITS = 22;
const A = -0.5;

function bicubic(x: number): number {
  if (x < 0) x = -x;
  if (x < 1) return ((A + 2) * x - (A + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * A;
  return 0;
}

interface Coeffs {
  ksize: number;
  bounds: Int32Array; // [xmin, len] per output pixel
  kk: Int32Array; // fixed-point weights, ksize per output pixel
}

function precompute(inSize: number, outSize: number): Coeffs {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = 2 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterscale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      k[x] = bicubic((x + xmin - center + 0.5) * ss);
      ww += k[x];
    }
    for (let x = 0; x < xmax; x++) {
      const v = ww !== 0 ? k[x] / ww : k[x];
      kk[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * (1 << PRECISION_BITS)) : Math.trunc(0.5 + v * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

function clip8(v: number): number {
  const s = Math.floor(v / (1 << PRECISION_BITS));
  return s < 0 ? 0 : s > 255 ? 255 : s;
}

/** Resample along x (horizontal = true) or y with precomputed taps. */
function pass(src: Uint8Array, w: number, h: number, ch: number, co: Coeffs, outW: number, outH: number, horizontal: boolean): Uint8Array {
  const out = new Uint8Array(outW * outH * ch);
  const half = 1 << (PRECISION_BITS - 1);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const j = horizontal ? x : y;
      const min = co.bounds[j * 2];
      const len = co.bounds[j * 2 + 1];
      const kOff = j * co.ksize;
      for (let c = 0; c < ch; c++) {
        let ss = half;
        for (let t = 0; t < len; t++) {
          const p = horizontal ? src[(y * w + min + t) * ch + c] : src[((min + t) * w + x) * ch + c];
          ss += p * co.kk[kOff + t];
        }
        out[(y * outW + x) * ch + c] = clip8(ss);
      }
    }
  }
  return out;
}

/** Pillow `img.resize((outW, outH), Image.BICUBIC)` for an 8-bit image with `channels` values per pixel. */
export function resizeBicubicU8(src: Uint8Array, w: number, h: number, channels: number, outW: number, outH: number): Uint8Array {
  if (src.length !== w * h * channels) throw new Error(`resizeBicubicU8: expected ${w * h * channels} values for ${w}x${h}x${channels}, got ${src.length}`);
  for (const v of [w, h, outW, outH]) if (!Number.isInteger(v) || v < 1) throw new Error(`resizeBicubicU8: sizes must be positive integers (got ${w}x${h} → ${outW}x${outH})`);
  if (w === outW && h === outH) return src.slice();
  let img = src;
  let cw = w;
  if (outW !== w) {
    img = pass(img, w, h, channels, precompute(w, outW), outW, h, true);
    cw = outW;
  }
  if (outH !== h) img = pass(img, cw, h, channels, precompute(h, outH), cw, outH, false);
  return img;
}

/** Pillow `img.crop((x, y, x + width, y + height))` (inside the image). */
export function cropU8(src: Uint8Array, w: number, channels: number, box: { x: number; y: number; width: number; height: number }): Uint8Array {
  const out = new Uint8Array(box.width * box.height * channels);
  for (let r = 0; r < box.height; r++) {
    const s = ((box.y + r) * w + box.x) * channels;
    out.set(src.subarray(s, s + box.width * channels), r * box.width * channels);
  }
  return out;
}
