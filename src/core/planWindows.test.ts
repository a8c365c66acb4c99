import { describe, expect, it } from 'vitest';
import golden from './__golden__/plan_windows.json';
import { dropLastRepeatContext, planWindows, windowCoverage, type ContextSchedule } from './planWindows';

// Golden plans: models/golden/plan_windows.py (MuseV context.py + MMCM generate_sample_idxs in Python).

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
/** (first, last, length) triples as in the spec's table. */
const summary = (ws: number[][]) => ws.map((w) => [w[0], w[w.length - 1], w.length]);

describe('planWindows: spec §1.2 table (F = 12, O = 4)', () => {
  const plan = (frames: number, schedule: ContextSchedule) => planWindows({ frames, contextFrames: 12, overlap: 4, schedule });

  it('N = 5 and N = 12: one window of all frames', () => {
    for (const s of ['uniform_v2', 'uniform'] as const) {
      expect(plan(5, s)).toEqual([range(0, 4)]);
      expect(plan(12, s)).toEqual([range(0, 11)]);
    }
  });
  it('N = 13', () => {
    expect(summary(plan(13, 'uniform_v2'))).toEqual([[0, 11, 12], [8, 12, 5]]);
    expect(summary(plan(13, 'uniform'))).toEqual([[0, 11, 12], [8, 6, 12]]);
    expect(plan(13, 'uniform')[1]).toEqual([8, 9, 10, 11, 12, 0, 1, 2, 3, 4, 5, 6]);
  });
  it('N = 24', () => {
    expect(summary(plan(24, 'uniform_v2'))).toEqual([[0, 11, 12], [8, 19, 12], [16, 23, 8]]);
    expect(summary(plan(24, 'uniform'))).toEqual([[0, 11, 12], [8, 19, 12], [16, 3, 12]]);
  });
  it('N = 30', () => {
    expect(summary(plan(30, 'uniform_v2'))).toEqual([[0, 11, 12], [8, 19, 12], [16, 27, 12], [24, 29, 6]]);
    expect(summary(plan(30, 'uniform')).at(-1)).toEqual([24, 5, 12]);
  });
  it('N = 36', () => {
    expect(summary(plan(36, 'uniform_v2'))).toEqual([[0, 11, 12], [8, 19, 12], [16, 27, 12], [24, 35, 12]]);
    expect(summary(plan(36, 'uniform'))).toEqual([[0, 11, 12], [8, 19, 12], [16, 27, 12], [24, 35, 12], [32, 7, 12]]);
  });
  it('N = 144: 17 full windows, then the tail', () => {
    const v2 = plan(144, 'uniform_v2');
    expect(v2).toHaveLength(18);
    expect(v2.slice(0, 17).every((w, k) => w.length === 12 && w[0] === 8 * k)).toBe(true);
    expect(summary(v2).at(-1)).toEqual([136, 143, 8]);
    const u = plan(144, 'uniform');
    expect(u).toHaveLength(18);
    expect(summary(u).at(-1)).toEqual([136, 3, 12]);
  });
});

describe('planWindows: our e2e case (N = 10, F = 4, O = 2)', () => {
  it('uniform_v2 drops the repeated tail [8, 9]', () => {
    const ws = planWindows({ frames: 10, contextFrames: 4, overlap: 2, schedule: 'uniform_v2' });
    expect(ws).toEqual([range(0, 3), range(2, 5), range(4, 7), range(6, 9)]);
    expect(Array.from(windowCoverage(10, ws))).toEqual([1, 1, 2, 2, 2, 2, 2, 2, 1, 1]);
  });
  it('uniform wraps around the end', () => {
    const ws = planWindows({ frames: 10, contextFrames: 4, overlap: 2, schedule: 'uniform' });
    expect(ws.at(-1)).toEqual([8, 9, 0, 1]);
    expect(Array.from(windowCoverage(10, ws))).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
  });
});

describe('planWindows: golden sweep against the Python reference', () => {
  it(`${golden.cases.length} cases (N = 1..40, 48, 60, 96, 144; several F, O, S)`, () => {
    for (const c of golden.cases) {
      const got = planWindows({
        frames: c.frames,
        contextFrames: c.contextFrames,
        overlap: c.overlap,
        schedule: c.schedule as ContextSchedule,
        contextStride: c.contextStride,
      });
      expect(got, `${c.schedule} N=${c.frames} F=${c.contextFrames} O=${c.overlap} S=${c.contextStride}`).toEqual(c.windows);
    }
  });
});

describe('planWindows: validation and helpers', () => {
  it('rejects bad inputs with clear messages', () => {
    const base = { frames: 10, contextFrames: 4, overlap: 2, schedule: 'uniform_v2' as const };
    expect(() => planWindows({ ...base, overlap: 4 })).toThrow(/overlap \(4\) must be smaller than contextFrames \(4\)/);
    expect(() => planWindows({ ...base, frames: 0 })).toThrow(/frames must be an integer ≥ 1/);
    expect(() => planWindows({ ...base, contextFrames: 2.5 })).toThrow(/contextFrames/);
    expect(() => planWindows({ ...base, overlap: -1 })).toThrow(/overlap must be an integer ≥ 0/);
    expect(() => planWindows({ ...base, schedule: 'uniform', contextStride: 0 })).toThrow(/contextStride/);
    expect(() => planWindows({ ...base, schedule: 'pyramid' as ContextSchedule })).toThrow(/unknown schedule/);
  });
  it('dropLastRepeatContext checks only the last pair', () => {
    expect(dropLastRepeatContext([[0, 3], [1, 3], [2, 3]])).toEqual([[0, 3], [1, 3]]); // not repeated
    expect(dropLastRepeatContext([[0, 1], [2, 3]])).toEqual([[0, 1], [2, 3]]);
    expect(dropLastRepeatContext([[0, 1], [1]])).toEqual([[0, 1]]);
    expect(dropLastRepeatContext([[0, 1]])).toEqual([[0, 1]]);
  });
});
