/**
 * insightface's ArcFace side of FaceAnalysis (face_align.norm_crop, ArcFaceONNX.get, Face.normed_embedding):
 *
 *   1. M = the least-squares similarity (rotation, uniform scale, translation; no reflection) from the
 *      5 detected keypoints p_i to the ArcFace template q_i (skimage SimilarityTransform.estimate,
 *      Umeyama 1991). With p̄, q̄ the means and u = p − p̄, v = q − q̄, Umeyama's SVD solution
 *      reduces in 2-D to a closed form:
 *        a = Σ(u·v) / Σ|u|²,   b = Σ(u_x v_y − u_y v_x) / Σ|u|²
 *        M = [a, −b, t_x; b, a, t_y],   t = q̄ − [a, −b; b, a]·p̄
 *   2. face = cv2.warpAffine(img, M, (112, 112), borderValue=0)      (cvWarpAffine.ts)
 *   3. blob = (face − 127.5) / 127.5, RGB planes (cv2.dnn.blobFromImage, faceDetect.rgbBlob)
 *   4. the embedder's 512 numbers e → e / ‖e‖ (normed_embedding, what IP-Adapter FaceID projects)
 * Worked example: keypoints = the template itself → M = identity.
 */
import { warpAffineU8, type Affine } from './cvWarpAffine';
import { rgbBlob } from './faceDetect';

/** insightface arcface_dst: eye centres, nose tip, mouth corners in the 112×112 crop (float32 values). */
export const ARCFACE_TEMPLATE: readonly number[] = [
  38.2946, 51.6963, 73.5318, 51.5014, 56.0252, 71.7366, 41.5493, 92.3655, 70.7299, 92.2041,
].map(Math.fround);

/** Similarity transform taking src points onto dst points (flat x0, y0, x1, y1, …), float64. */
export function similarityTransform(src: readonly number[], dst: readonly number[]): Affine {
  const n = src.length / 2;
  if (n < 2 || dst.length !== src.length) throw new Error('similarityTransform: needs matching lists of at least 2 points');
  let [psx, psy, qsx, qsy] = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) (psx += src[2 * i]), (psy += src[2 * i + 1]), (qsx += dst[2 * i]), (qsy += dst[2 * i + 1]);
  const [pmx, pmy, qmx, qmy] = [psx / n, psy / n, qsx / n, qsy / n];
  let [dot, cross, norm] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const ux = src[2 * i] - pmx;
    const uy = src[2 * i + 1] - pmy;
    const vx = dst[2 * i] - qmx;
    const vy = dst[2 * i + 1] - qmy;
    dot += ux * vx + uy * vy;
    cross += ux * vy - uy * vx;
    norm += ux * ux + uy * uy;
  }
  if (!(norm > 0)) throw new Error('similarityTransform: the points coincide');
  const a = dot / norm;
  const b = cross / norm;
  return [a, -b, qmx - (a * pmx - b * pmy), b, a, qmy - (b * pmx + a * pmy)];
}

/** Steps 1-2: the aligned size×size RGB face (size 112 for ArcFace). */
export function normCrop(rgb: Uint8Array, w: number, h: number, kps: readonly number[], size = 112): Uint8Array {
  const ratio = size / 112;
  const M = similarityTransform(kps, ARCFACE_TEMPLATE.map((v) => v * ratio));
  return warpAffineU8(rgb, w, h, M, size, size, 3);
}

/** Step 3: the embedder's `face` input (1, 3, size, size); `bgr`: planes B, G, R (rgbBlob). */
export function arcfaceBlob(face: Uint8Array, size = 112, bgr = false): Float32Array {
  return rgbBlob(face, size, size, 127.5, 127.5, bgr);
}

/** Step 4: e / ‖e‖ in float32 (numpy: float32 norm, float32 division). */
export function l2Normalize(e: Float32Array): Float32Array {
  let s = 0;
  for (const v of e) s += v * v;
  const norm = Math.fround(Math.sqrt(s));
  if (!(norm > 0)) throw new Error('l2Normalize: the embedding is all zeros');
  return e.map((v) => v / norm);
}
