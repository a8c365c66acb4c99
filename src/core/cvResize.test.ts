import { describe, expect, it } from 'vitest';
import { byteDiff, bytes, formulaImage, golden } from './__fixtures__/faceGolden';
import { resizeLinearU8, roundHalfEven } from './cvResize';

// Golden values: models/golden/face_analysis.py (cv2.resize itself, Debian OpenCV 4.6).
describe('resizeLinearU8 = cv2.resize INTER_LINEAR on uint8, bit for bit', () => {
  for (const c of golden.resize) {
    it(`${c.w}x${c.h} → ${c.outW}x${c.outH}`, () => {
      const got = resizeLinearU8(formulaImage(c.w, c.h), c.w, c.h, c.outW, c.outH);
      expect(byteDiff(got, bytes(c.out))).toEqual({ differ: 0, worst: 0 });
    });
  }
  it('worked example: 2 → 4 columns of one channel', () => {
    // fx = 0.25 and 0.75 between the two pixels; the edges clamp.
    expect(Array.from(resizeLinearU8(Uint8Array.of(0, 200), 2, 1, 4, 1, 1))).toEqual([0, 50, 150, 200]);
  });
  it('cvRound ties go to even', () => {
    expect([0.5, 1.5, 2.5, -0.5, 3.4].map(roundHalfEven)).toEqual([0, 2, 2, -0, 3]);
  });
});
