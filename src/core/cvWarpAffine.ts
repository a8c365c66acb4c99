/**
 * OpenCV's `cv2.warpAffine(img, M, (dw, dh), borderValue=0)` (INTER_LINEAR, BORDER_CONSTANT) on 8-bit
 * interleaved images, bit for bit (imgproc/imgwarp.cpp, checked by models/golden/face_analysis.py).
 * insightface's norm_crop uses it to cut the 112×112 ArcFace face (faceAlign.ts).
 *
 *   1. M maps source → destination; OpenCV inverts it in float64:
 *        D = 1/(m00·m11 − m01·m10);  A = [m11·D, −m01·D; −m10·D, m00·D];  b = −A·(m02, m12)
 *   2. fixed-point source positions, AB_BITS = 10, INTER_BITS = 5 (1/32 pixel):
 *        X0(y) = cvRound((A01·y + b0)·1024) + 16,   adelta(x) = cvRound(A00·x·1024)
 *        X = (X0(y) + adelta(x)) >> 5;   sx = X >> 5,  fx = X & 31     (likewise Y, sy, fy)
 *   3. bilinear with 15-bit weights (INTER_REMAP_COEF_BITS), from the table
 *        w = 32·((32 − fy)(32 − fx), (32 − fy)·fx, fy·(32 − fx), fy·fx)
 *      except fx = fy = 0, where 32768 saturates to 32767 and initInterTab2D's sum fix-up puts the
 *      missing 1 on the last weight: (32767, 0, 0, 1);
 *        out = (Σ w_k·p_k + 2^14) >> 15, saturated to 0…255
 *   4. borders: 0 ≤ sx < sw − 1 and 0 ≤ sy < sh − 1 read 4 pixels; a position whose 2×2 block is
 *      entirely outside is 0; a partly outside block reads 0 for its outside pixels.
 * Worked example: M = identity → out = the top-left dw×dh of the image.
 */
import { roundHalfEven } from './cvResize';

/** 2×3 affine matrix, row-major: [m00, m01, m02, m10, m11, m12]. */
export type Affine = [number, number, number, number, number, number];

export function invertAffine(m: Affine): Affine {
  let D = m[0] * m[4] - m[1] * m[3];
  D = D !== 0 ? 1 / D : 0;
  const a00 = m[4] * D;
  const a11 = m[0] * D;
  const a01 = m[1] * -D;
  const a10 = m[3] * -D;
  return [a00, a01, -a00 * m[2] - a01 * m[5], a10, a11, -a10 * m[2] - a11 * m[5]];
}

function weightTable(): Int32Array {
  const w = new Int32Array(32 * 32 * 4);
  for (let fy = 0; fy < 32; fy++) {
    for (let fx = 0; fx < 32; fx++) {
      const t = (fy * 32 + fx) * 4;
      w.set([32 * (32 - fy) * (32 - fx), 32 * (32 - fy) * fx, 32 * fy * (32 - fx), 32 * fy * fx], t);
    }
  }
  w.set([32767, 0, 0, 1], 0);
  return w;
}

let table: Int32Array | undefined;

/** `cv2.warpAffine(src, M, (dw, dh), flags=INTER_LINEAR, borderValue=0)`; src is sh rows of sw·cn bytes. */
export function warpAffineU8(src: Uint8Array, sw: number, sh: number, M: Affine, dw: number, dh: number, cn = 3): Uint8Array {
  if (src.length !== sw * sh * cn) throw new Error(`warpAffineU8: ${src.length} bytes for ${sw}x${sh}x${cn}`);
  const wt = (table ??= weightTable());
  const A = invertAffine(M);
  const adelta = Int32Array.from({ length: dw }, (_, x) => roundHalfEven(A[0] * x * 1024));
  const bdelta = Int32Array.from({ length: dw }, (_, x) => roundHalfEven(A[3] * x * 1024));
  const out = new Uint8Array(dw * dh * cn);
  const px = (x: number, y: number, c: number) => (x >= 0 && x < sw && y >= 0 && y < sh ? src[(y * sw + x) * cn + c] : 0);
  for (let y = 0; y < dh; y++) {
    const X0 = roundHalfEven((A[1] * y + A[2]) * 1024) + 16;
    const Y0 = roundHalfEven((A[4] * y + A[5]) * 1024) + 16;
    for (let x = 0; x < dw; x++) {
      const X = (X0 + adelta[x]) >> 5;
      const Y = (Y0 + bdelta[x]) >> 5;
      const sx = X >> 5;
      const sy = Y >> 5;
      const t = ((Y & 31) * 32 + (X & 31)) * 4;
      const o = (y * dw + x) * cn;
      if (sx >= sw || sx + 1 < 0 || sy >= sh || sy + 1 < 0) continue; // all outside: 0
      for (let c = 0; c < cn; c++) {
        const v = px(sx, sy, c) * wt[t] + px(sx + 1, sy, c) * wt[t + 1] + px(sx, sy + 1, c) * wt[t + 2] + px(sx + 1, sy + 1, c) * wt[t + 3];
        out[o + c] = Math.min(255, Math.max(0, (v + 16384) >> 15));
      }
    }
  }
  return out;
}
