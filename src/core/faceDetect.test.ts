import { describe, expect, it } from 'vitest';
import { bytes, fnv1a, floats, formulaImage, golden } from './__fixtures__/faceGolden';
import { decodeScrfd, letterbox, nms, rgbBlob, type DetectedFace, type FaceAnalysisConfig } from './faceDetect';

// Golden values: models/golden/face_analysis.py (cv2.resize / cv2.dnn.blobFromImage themselves, and a
// numpy SCRFD decode + NMS written from insightface's algorithm).
const cfg = (size: number): FaceAnalysisConfig => ({ detectorSize: size, scoreThreshold: 0.5, nmsThreshold: 0.4, strides: [8, 16, 32], anchorsPerCell: 2, alignSize: 112 });

describe('letterbox + blob (SCRFD.detect preprocessing)', () => {
  for (const c of golden.letterbox) {
    it(`${c.w}x${c.h} → 640 canvas, identical bytes`, () => {
      const lb = letterbox(formulaImage(c.w, c.h), c.w, c.h, 640);
      expect(lb.detScale).toBe(c.detScale);
      expect(fnv1a(lb.canvas)).toBe(c.canvasFnv);
      const blob = rgbBlob(lb.canvas, 640, 640, 127.5, 128);
      c.blobSample.forEach((v, k) => expect(blob[k * c.blobEvery]).toBe(v));
    });
  }
  it('worked example: 512×384 → 640×480 at the top, black below', () => {
    const lb = letterbox(formulaImage(512, 384), 512, 384, 640);
    expect([lb.newWidth, lb.newHeight, lb.detScale]).toEqual([640, 480, 1.25]);
    expect(lb.canvas.subarray(480 * 640 * 3).every((v) => v === 0)).toBe(true);
  });
  it('bgr: the same numbers with the planes reversed', () => {
    const rgb = Uint8Array.of(0, 128, 255);
    expect(Array.from(rgbBlob(rgb, 1, 1, 127.5, 128, true))).toEqual(Array.from(rgbBlob(rgb, 1, 1, 127.5, 128)).reverse());
  });
  for (const c of golden.blob.cases) {
    it(`blobFromImage mean ${c.mean}, scale 1/${c.std}: every value identical`, () => {
      const got = rgbBlob(bytes(golden.blob.rgb), golden.blob.w, golden.blob.h, c.mean, c.std);
      const want = floats(c.blob);
      let differ = 0;
      want.forEach((v, k) => (differ += v === got[k] ? 0 : 1));
      expect(differ).toBe(0);
    });
  }
});

describe('decodeScrfd (anchors, distance2bbox/kps, sort, NMS)', () => {
  for (const c of golden.decode) {
    it(`${c.w}x${c.h} on a ${c.size} detector: the same faces in the same order`, () => {
      const out = Object.fromEntries(Object.entries(c.outputs).map(([k, v]) => [k, floats(v)]));
      const faces = decodeScrfd(out, cfg(c.size), c.detScale);
      expect(faces.map((x) => [x.stride, x.anchor])).toEqual(c.faces.map((x) => [x.stride, x.anchor]));
      faces.forEach((x, i) => {
        expect(x.score).toBe(c.faces[i].score);
        x.box.forEach((v, j) => expect(Math.abs(v - c.faces[i].box[j])).toBeLessThanOrEqual(1e-4));
        x.kps.forEach((v, j) => expect(Math.abs(v - c.faces[i].kps[j])).toBeLessThanOrEqual(1e-4));
      });
    });
  }
  it('worked example: one anchor of a 32-pixel detector', () => {
    const n = (s: number) => (32 / s) ** 2 * 2;
    const out: Record<string, Float32Array> = {};
    for (const s of [8, 16, 32]) {
      out[`score_${s}`] = new Float32Array(n(s));
      out[`bbox_${s}`] = new Float32Array(4 * n(s));
      out[`kps_${s}`] = new Float32Array(10 * n(s));
    }
    // stride 8, anchor 11 = cell 5 = (row 1, col 1) → centre (8, 8); distances 1 stride each way.
    out.score_8[11] = 0.9;
    out.bbox_8.set([1, 1, 1, 1], 44);
    out.kps_8.set([0.5, -0.5], 110);
    const [face, ...rest] = decodeScrfd(out, cfg(32), 2);
    expect(rest).toEqual([]);
    expect(face.box).toEqual([0, 0, 8, 8]);
    expect(face.kps.slice(0, 2)).toEqual([6, 2]);
  });
  it('NMS: IoU with +1 areas, > 0.4 suppressed, equal scores keep the later box first', () => {
    const face = (box: DetectedFace['box'], score: number): DetectedFace => ({ box, score, kps: [], stride: 8, anchor: 0 });
    // [0,0,9,9] vs [5,0,14,9]: inter 5·10 = 50, union 150 → 1/3 ≤ 0.4 kept; vs [2,0,11,9]: 80/120 suppressed.
    expect(nms([face([0, 0, 9, 9], 0.9), face([5, 0, 14, 9], 0.8), face([2, 0, 11, 9], 0.7)], 0.4)).toEqual([0, 1]);
    expect(nms([face([0, 0, 9, 9], 0.9), face([1, 0, 10, 9], 0.9)], 0.4)).toEqual([1]);
  });
});
