import { describe, expect, it } from 'vitest';
import { byteDiff, bytes, floats, formulaImage, golden } from './__fixtures__/faceGolden';
import { ARCFACE_TEMPLATE, arcfaceBlob, l2Normalize, normCrop, similarityTransform } from './faceAlign';

// Golden values: models/golden/face_analysis.py (skimage's Umeyama re-stated with numpy's SVD,
// cv2.warpAffine itself).
describe('norm_crop: Umeyama similarity to the ArcFace template, then warpAffine', () => {
  expect(ARCFACE_TEMPLATE).toEqual(golden.arcfaceDst.flat());
  for (const c of golden.warp) {
    it(`${c.w}x${c.h}: M within 1e-9 of the SVD solution, the crop identical to OpenCV's`, () => {
      const M = similarityTransform(c.kps.flat(), ARCFACE_TEMPLATE);
      M.forEach((v, i) => expect(Math.abs(v - c.M.flat()[i])).toBeLessThanOrEqual(1e-9));
      const face = normCrop(formulaImage(c.w, c.h), c.w, c.h, c.kps.flat());
      expect(byteDiff(face, bytes(c.out))).toEqual({ differ: 0, worst: 0 });
    });
  }
  it('worked example: the template onto itself is the identity; a mirrored face is not reflected', () => {
    const M = similarityTransform(ARCFACE_TEMPLATE, ARCFACE_TEMPLATE);
    [1, 0, 0, 0, 1, 0].forEach((v, i) => expect(M[i]).toBeCloseTo(v, 12));
    const mirrored = ARCFACE_TEMPLATE.map((v, i) => (i % 2 ? v : 112 - v));
    const R = similarityTransform(mirrored, ARCFACE_TEMPLATE);
    expect(R[0] * R[4] - R[1] * R[3]).toBeGreaterThan(0); // a² + b² > 0: a rotation, never a mirror
  });
});

describe('ArcFace blob and normed_embedding', () => {
  it('blob: (x − 127.5)/127.5 as blobFromImage rounds it, RGB planes', () => {
    const face = Uint8Array.of(0, 255, 128);
    const b = arcfaceBlob(face, 1);
    expect(Array.from(b)).toEqual([-1, 1, Math.fround(Math.fround(0.5) * Math.fround(1 / 127.5))]);
  });
  it('e/‖e‖ within 4 float32 ulp of numpy (numpy sums ‖e‖² in float32 through BLAS, we sum in float64)', () => {
    const got = l2Normalize(floats(golden.l2.embedding));
    const want = floats(golden.l2.normed);
    let worst = 0;
    want.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - got[i]) / 2 ** (Math.floor(Math.log2(Math.abs(v))) - 23))));
    expect(worst).toBeLessThanOrEqual(4);
  });
});
