/**
 * OpenCV's `cv2.resize(img, (dw, dh))` (INTER_LINEAR) on 8-bit interleaved images, bit for bit as
 * Debian's OpenCV 4.6 computes it (models/golden/face_analysis.py checks it). insightface's SCRFD
 * letterbox uses it (faceDetect.ts).
 *
 * OpenCV's 8-bit linear resize is fixed point (imgproc/resize.cpp, resizeGeneric):
 *   per output column d:  fx = float((d + 0.5)·scale − 0.5),  sx = ⌊fx⌋,  fx −= sx  (float32),
 *                         clamped to sx = 0 / sx = sw − 1 with fx = 0 at the left and right borders;
 *                         α = (round(2048·(1 − fx)), round(2048·fx))   (INTER_RESIZE_COEF_BITS = 11,
 *                         cvRound = round half to even; α0 + α1 may be 2047 or 2049)
 *   per output row: the same (β) but NOT clamped: above the first / below the last source row both
 *                   taps read the clipped row with the unclamped weights (β0 + β1 ≈ 2048, split);
 *   horizontal pass: H = S[sx]·α0 + S[sx+1]·α1  (exact int32)
 *   vertical pass (VResizeLinearVec_32s8u's formula, which drops low bits before adding):
 *                    out = (⌊(H0>>4)·β0 / 2^16⌋ + ⌊(H1>>4)·β1 / 2^16⌋ + 2) >> 2
 *   (the scalar formula (H0·β0 + H1·β1 + 2^21) >> 22 rounds differently; the golden cases, row
 *   widths 9 … 1920 bytes, match the vector formula on every byte, tails included)
 * Exactly 2× smaller in both directions is INTER_AREA's fast path: out = (a + b + c + d + 2) >> 2.
 * Worked example (1 channel, 2 → 4 columns): scale 0.5, fx(d=1) = 0.25 → α = (1536, 512).
 */

/** One axis' taps: source index and the two 11-bit weights per output position. */
function linearTaps(src: number, dst: number, clamp: boolean): { ofs: Int32Array; w0: Int32Array; w1: Int32Array } {
  const scale = 1 / (dst / src);
  const f = Math.fround;
  const ofs = new Int32Array(dst);
  const w0 = new Int32Array(dst);
  const w1 = new Int32Array(dst);
  for (let d = 0; d < dst; d++) {
    let fx = f((d + 0.5) * scale - 0.5);
    let sx = Math.floor(fx);
    fx = f(fx - sx);
    if (clamp && sx < 0) (fx = 0), (sx = 0);
    if (clamp && sx >= src - 1) (fx = 0), (sx = src - 1);
    ofs[d] = sx;
    w0[d] = roundHalfEven(f(1 - fx) * 2048);
    w1[d] = roundHalfEven(fx * 2048);
  }
  return { ofs, w0, w1 };
}

/** cvRound: nearest integer, ties to even (SSE2 cvtss2si in the default rounding mode). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const sat16 = (v: number) => (v > 32767 ? 32767 : v < -32768 ? -32768 : v);
const mulHi16 = (a: number, b: number) => Math.floor((a * b) / 65536);
const satU8 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

/** The vertical pass of one output row (VResizeLinearVec_32s8u's int16 arithmetic). */
function verticalRow(h0: Int32Array, h1: Int32Array, b0: number, b1: number, out: Uint8Array, at: number): void {
  for (let x = 0; x < h0.length; x++) out[at + x] = satU8((sat16(mulHi16(sat16(h0[x] >> 4), b0) + mulHi16(sat16(h1[x] >> 4), b1)) + 2) >> 2);
}

function areaHalf(src: Uint8Array, sw: number, dw: number, dh: number, cn: number): Uint8Array {
  const out = new Uint8Array(dw * dh * cn);
  const row = sw * cn;
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      for (let c = 0; c < cn; c++) {
        const p = 2 * y * row + 2 * x * cn + c;
        out[(y * dw + x) * cn + c] = (src[p] + src[p + cn] + src[p + row] + src[p + row + cn] + 2) >> 2;
      }
    }
  }
  return out;
}

/** `cv2.resize(src, (dw, dh))` with INTER_LINEAR: src is sh rows of sw·cn bytes. */
export function resizeLinearU8(src: Uint8Array, sw: number, sh: number, dw: number, dh: number, cn = 3): Uint8Array {
  if (src.length !== sw * sh * cn) throw new Error(`resizeLinearU8: ${src.length} bytes for ${sw}x${sh}x${cn}`);
  if (dw === sw && dh === sh) return src.slice();
  if (sw === 2 * dw && sh === 2 * dh) return areaHalf(src, sw, dw, dh, cn);
  const xs = linearTaps(sw, dw, true);
  const ys = linearTaps(sh, dh, false);
  const rowLen = dw * cn;
  const hRow = (sy: number) => {
    const r = new Int32Array(rowLen);
    const base = sy * sw * cn;
    for (let d = 0; d < dw; d++) {
      const s = base + xs.ofs[d] * cn;
      const next = xs.ofs[d] + 1 < sw ? cn : 0; // weight 0 there
      for (let c = 0; c < cn; c++) r[d * cn + c] = src[s + c] * xs.w0[d] + src[s + next + c] * xs.w1[d];
    }
    return r;
  };
  const cache = new Map<number, Int32Array>();
  const rowOf = (sy: number) => {
    let r = cache.get(sy);
    if (!r) {
      r = hRow(sy);
      cache.set(sy, r);
      if (cache.size > 4) cache.delete(cache.keys().next().value as number);
    }
    return r;
  };
  const out = new Uint8Array(rowLen * dh);
  for (let y = 0; y < dh; y++) {
    const clip = (r: number) => Math.min(Math.max(r, 0), sh - 1);
    verticalRow(rowOf(clip(ys.ofs[y])), rowOf(clip(ys.ofs[y] + 1)), ys.w0[y], ys.w1[y], out, y * rowLen);
  }
  return out;
}
