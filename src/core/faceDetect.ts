/**
 * insightface's SCRFD face detector around its ONNX graph (buffalo_l det_10g, FaceAnalysis.get →
 * SCRFD.detect), the parts that are plain arithmetic:
 *
 *   1. letterbox: keep the aspect, resize (cv2.resize INTER_LINEAR, cvResize.ts) so the long side is
 *      S = 640, paste at the top-left of an S×S black canvas;  det_scale = new_h / h
 *        h/w > 1:  new_h = S,  new_w = int(S / (h/w))      else:  new_w = S,  new_h = int(S·(h/w))
 *   2. blob: (x − 127.5) / 128, RGB planes (cv2.dnn.blobFromImage, swapRB of insightface's BGR)
 *   3. decode, per stride s ∈ {8, 16, 32} on the (S/s)² grid, 2 anchors per cell, anchor a at
 *      cell ⌊a/2⌋ = (row, col), centre (cx, cy) = (col·s, row·s):
 *        keep score ≥ 0.5;  box = (cx − d0·s, cy − d1·s, cx + d2·s, cy + d3·s);
 *        kps_j = (cx + k_{2j}·s, cy + k_{2j+1}·s);  then box, kps / det_scale
 *   4. sort by score, descending; NMS: IoU with the +1 pixel convention,
 *        area = (x2 − x1 + 1)(y2 − y1 + 1), suppress when IoU > 0.4
 * All arithmetic is float32 as numpy does it (det_scale is rounded to float32 before dividing).
 * Ties: numpy's `argsort()[::-1]` puts the later of two equal scores first (its default sort is
 * stable for the few candidates a face gives); we do the same, in both sorts.
 * Worked example: a 512×384 image → 640×480 at the top of the canvas, det_scale 1.25.
 */
import { resizeLinearU8 } from './cvResize';

export interface FaceAnalysisConfig {
  /** Detector input S (640). */
  detectorSize: number;
  scoreThreshold: number;
  nmsThreshold: number;
  strides: number[];
  anchorsPerCell: number;
  /** ArcFace crop size (112). */
  alignSize: number;
}

export interface Letterbox {
  /** S×S×3 RGB canvas. */
  canvas: Uint8Array;
  newWidth: number;
  newHeight: number;
  detScale: number;
}

export function letterbox(rgb: Uint8Array, w: number, h: number, size: number): Letterbox {
  const ratio = h / w;
  const newHeight = ratio > 1 ? size : Math.trunc(size * ratio);
  const newWidth = ratio > 1 ? Math.trunc(size / ratio) : size;
  if (newWidth < 1 || newHeight < 1) throw new Error(`letterbox: a ${w}x${h} image is too thin to look for faces`);
  const resized = resizeLinearU8(rgb, w, h, newWidth, newHeight, 3);
  const canvas = new Uint8Array(size * size * 3);
  for (let y = 0; y < newHeight; y++) canvas.set(resized.subarray(y * newWidth * 3, (y + 1) * newWidth * 3), y * size * 3);
  return { canvas, newWidth, newHeight, detScale: newHeight / h };
}

/**
 * Interleaved RGB bytes → (1, 3, h, w) float32 planes as cv2.dnn.blobFromImage: x − mean, then a
 * float32 multiply by float32(1/std) (rounding the double product instead differs in 378 of the golden
 * case's 768 values for std 127.5). Planes R, G, B; `bgr` gives B, G, R (see faceConditioning.ts).
 */
export function rgbBlob(rgb: Uint8Array, w: number, h: number, mean: number, std: number, bgr = false): Float32Array {
  const n = w * h;
  const out = new Float32Array(3 * n);
  const scale = Math.fround(1 / std);
  for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) out[(bgr ? 2 - c : c) * n + p] = Math.fround(rgb[p * 3 + c] - mean) * scale;
  return out;
}

export interface DetectedFace {
  /** x1, y1, x2, y2 in the original image's pixels. */
  box: [number, number, number, number];
  score: number;
  /** 5 keypoints (left eye, right eye, nose, left mouth corner, right mouth corner) as x0, y0, … x4, y4. */
  kps: number[];
  /** Which anchor found it (tests, debugging). */
  stride: number;
  anchor: number;
}

/** The detector's outputs: `score_<s>` (N_s), `bbox_<s>` (N_s·4), `kps_<s>` (N_s·10). */
export type ScrfdOutputs = Record<string, Float32Array>;

const f = Math.fround;

function candidates(out: ScrfdOutputs, cfg: FaceAnalysisConfig, detScale: number): DetectedFace[] {
  const ds = f(detScale);
  const found: DetectedFace[] = [];
  for (const s of cfg.strides) {
    const g = Math.floor(cfg.detectorSize / s);
    const score = out[`score_${s}`];
    const bbox = out[`bbox_${s}`];
    const kps = out[`kps_${s}`];
    const n = g * g * cfg.anchorsPerCell;
    if (!score || !bbox || !kps || score.length !== n || bbox.length !== 4 * n || kps.length !== 10 * n) {
      throw new Error(`decodeScrfd: stride ${s} needs score/bbox/kps of ${n} anchors`);
    }
    for (let a = 0; a < n; a++) {
      if (!(score[a] >= cfg.scoreThreshold)) continue;
      const cell = Math.floor(a / cfg.anchorsPerCell);
      const c = [(cell % g) * s, Math.floor(cell / g) * s];
      const d = (j: number) => f(bbox[a * 4 + j] * s);
      const box: DetectedFace['box'] = [f(c[0] - d(0)), f(c[1] - d(1)), f(c[0] + d(2)), f(c[1] + d(3))];
      const k = Array.from({ length: 10 }, (_, j) => f(f(c[j % 2] + f(kps[a * 10 + j] * s)) / ds));
      found.push({ box: box.map((v) => f(v / ds)) as DetectedFace['box'], score: score[a], kps: k, stride: s, anchor: a });
    }
  }
  return found;
}

/** Positions sorted by score, descending; equal scores: the later position first (numpy argsort()[::-1]). */
function descendingOrder(scores: number[]): number[] {
  return scores.map((_, i) => i).sort((i, j) => scores[j] - scores[i] || j - i);
}

/** insightface SCRFD.nms on boxes already sorted by score: indices kept, in order. */
export function nms(faces: DetectedFace[], threshold: number): number[] {
  const thr = f(threshold);
  const area = faces.map(({ box: [x1, y1, x2, y2] }) => f(f(f(x2 - x1) + 1) * f(f(y2 - y1) + 1)));
  let order = descendingOrder(faces.map((x) => x.score));
  const keep: number[] = [];
  while (order.length > 0) {
    const i = order[0];
    keep.push(i);
    const [ax1, ay1, ax2, ay2] = faces[i].box;
    order = order.slice(1).filter((j) => {
      const [bx1, by1, bx2, by2] = faces[j].box;
      const w = Math.max(0, f(f(Math.min(ax2, bx2) - Math.max(ax1, bx1)) + 1));
      const h = Math.max(0, f(f(Math.min(ay2, by2) - Math.max(ay1, by1)) + 1));
      const inter = f(w * h);
      return f(inter / f(f(area[i] + area[j]) - inter)) <= thr;
    });
  }
  return keep;
}

/** Steps 3-4: faces in the original image, best first. */
export function decodeScrfd(out: ScrfdOutputs, cfg: FaceAnalysisConfig, detScale: number): DetectedFace[] {
  const found = candidates(out, cfg, detScale);
  const sorted = descendingOrder(found.map((x) => x.score)).map((i) => found[i]);
  return nms(sorted, cfg.nmsThreshold).map((i) => sorted[i]);
}
