import { describe, expect, it } from 'vitest';
import golden from './__golden__/guidance.json';
import { applyCfg, guidanceSchedule, type GuidanceMethod } from './guidance';

// Golden values: models/golden/guidance.py (MuseV timesteps_util.py with numpy; CFG in torch float32).

describe('guidanceSchedule', () => {
  it(`matches MuseV for ${golden.schedules.length} (method, start, stop, n) cases`, () => {
    for (const s of golden.schedules) {
      const got = guidanceSchedule({ start: s.start, stop: s.stop, steps: s.steps, method: s.method as GuidanceMethod });
      // linspace values are float64 in numpy; allow only rounding noise.
      expect(got.length, `${s.method} ${s.start}→${s.stop} n=${s.steps}`).toBe(s.values.length);
      got.forEach((v, i) => expect(Math.abs(v - s.values[i]), `${s.method} ${s.start}→${s.stop} n=${s.steps} [${i}]`).toBeLessThan(1e-12));
    }
  });

  it('hand-checked examples from the doc comment', () => {
    expect(guidanceSchedule({ start: 3.5, steps: 4 })).toEqual([3.5, 3.5, 3.5, 3.5]);
    expect(guidanceSchedule({ start: 3.5, stop: 3.5, steps: 2, method: 'two_stage' })).toEqual([3.5, 3.5]);
    expect(guidanceSchedule({ start: 1, stop: 3, steps: 5, method: 'linear' })).toEqual([1, 1.5, 2, 2.5, 3]);
    expect(guidanceSchedule({ start: 3.5, stop: 7.5, steps: 10, method: 'three_stage' })).toEqual([3.5, 3.5, 3.5, 5, 5, 5, 7.5, 7.5, 7.5, 7.5]);
    expect(guidanceSchedule({ start: 3.5, stop: 7.5, steps: 5, method: 'two_stage' })).toEqual([3.5, 3.5, 7.5, 7.5, 7.5]);
    expect(guidanceSchedule({ start: 3.5, stop: 7.5, steps: 5, method: 'fix_two_stage' })).toEqual([3.5, 3.5, 3.5, 7.5, 7.5]);
  });

  it('fix_two_stage with n < 3 returns n values (MuseV makes 3; only n are read)', () => {
    expect(guidanceSchedule({ start: 2, stop: 9, steps: 2, method: 'fix_two_stage' })).toEqual([2, 2]);
  });

  it('rejects bad input', () => {
    expect(() => guidanceSchedule({ start: 3.5, steps: 0 })).toThrow(/steps/);
    expect(() => guidanceSchedule({ start: NaN, steps: 3 })).toThrow(/start/);
    expect(() => guidanceSchedule({ start: 1, stop: 2, steps: 3, method: 'cosine' as GuidanceMethod })).toThrow(/unknown method/);
  });
});

describe('applyCfg', () => {
  it('combines the [uncond, cond] halves like torch (golden)', () => {
    const eps = Float32Array.from(golden.cfg.eps);
    for (const c of golden.cfg.cases) {
      const out = applyCfg(eps, golden.cfg.shape, c.g);
      expect(out.length).toBe(16);
      out.forEach((v, k) => expect(Math.abs(v - c.out[k]), `g=${c.g} [${k}]`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(c.out[k]))));
    }
  });

  it('hand example: e_u = 1, e_c = 2, g = 3.5 → 4.5; g = 1 gives e_c', () => {
    expect(Array.from(applyCfg(new Float32Array([1, -1, 2, 3]), [2, 1, 2, 1, 1], 3.5))).toEqual([4.5, 13]);
    expect(Array.from(applyCfg(new Float32Array([1, -1, 2, 3]), [2, 1, 2, 1, 1], 1))).toEqual([2, 3]);
  });

  it('rejects a batch other than 2 or a size mismatch', () => {
    expect(() => applyCfg(new Float32Array(4), [1, 1, 4, 1, 1], 2)).toThrow(/batch 2/);
    expect(() => applyCfg(new Float32Array(3), [2, 1, 2, 1, 1], 2)).toThrow(/eps has 3/);
  });
});
