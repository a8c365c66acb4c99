import { describe, expect, it } from 'vitest';
import { byteDiff, bytes, formulaImage, golden } from './__fixtures__/faceGolden';
import { invertAffine, warpAffineU8, type Affine } from './cvWarpAffine';

// Golden values: models/golden/face_analysis.py (cv2.warpAffine itself, Debian OpenCV 4.6).
describe('warpAffineU8 = cv2.warpAffine INTER_LINEAR, borderValue 0, on uint8', () => {
  for (const c of golden.warp) {
    it(`${c.w}x${c.h} → 112x112 (face partly outside: ${c.w === 120})`, () => {
      const M = c.M.flat() as Affine;
      const got = warpAffineU8(formulaImage(c.w, c.h), c.w, c.h, M, 112, 112);
      expect(byteDiff(got, bytes(c.out))).toEqual({ differ: 0, worst: 0 });
    });
  }
  it('worked example: identity copies the top-left corner; a shift by one pixel reads 0 outside', () => {
    const img = Uint8Array.from({ length: 4 * 3 }, (_, i) => 10 * i + 5); // 2×2, 3 channels
    expect(Array.from(warpAffineU8(img, 2, 2, [1, 0, 0, 0, 1, 0], 2, 2))).toEqual(Array.from(img));
    const shifted = warpAffineU8(img, 2, 2, [1, 0, 1, 0, 1, 0], 2, 2); // out(x) = in(x − 1)
    expect(Array.from(shifted.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(Array.from(shifted.subarray(3, 6))).toEqual([5, 15, 25]);
  });
  it('inverts M in float64', () => {
    const inv = invertAffine([2, 0, 4, 0, 4, 8]);
    expect(inv).toEqual([0.5, -0, -2, -0, 0.25, -2]);
  });
});
