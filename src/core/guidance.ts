/**
 * Classifier-free guidance (spec §2.1): the per-step guidance schedule of MuseV's
 * `generate_parameters_with_timesteps` (musev/utils/timesteps_util.py) and the CFG combination.
 *
 * Notation:
 *   n          number of denoising steps; the schedule runs over steps, not frames
 *   g_i        guidance scale at step i = 0..n-1
 *   e_u, e_c   unconditional and conditional noise predictions: the two batch halves [uncond, cond]
 *   e          e_u + g_i·(e_c − e_u)
 *
 * Schedules (start = video_guidance_scale, stop = video_guidance_scale_end):
 *   stop null/undefined or stop == start: constant start
 *   'linear':        numpy.linspace(start, stop, n): g_i = start + i·(stop − start)/(n − 1), g_{n−1} = stop
 *   'two_stage':     ⌊n/2⌋ steps at start, the rest at stop
 *   'three_stage':   ⌊n/3⌋ at start, ⌊n/3⌋ at ⌊(start + stop)/2⌋ (Python float floor division), rest at stop
 *   'fix_two_stage': 3 steps at start, the rest at stop (for n < 3 MuseV's list has 3 entries; we
 *                    return the first n, which is all the pipeline ever reads)
 *
 * Worked examples, n = 10, start = 3.5, stop = 7.5:
 *   linear        3.5, 3.9444, 4.3889, 4.8333, 5.2778, 5.7222, 6.1667, 6.6111, 7.0556, 7.5
 *   two_stage     3.5 ×5, 7.5 ×5
 *   three_stage   3.5 ×3, 5 ×3 (⌊11/2⌋ = 5), 7.5 ×4
 *   fix_two_stage 3.5 ×3, 7.5 ×7
 * CFG: e_u = 1, e_c = 2, g = 3.5 → e = 1 + 3.5·(2 − 1) = 4.5.
 */

export type GuidanceMethod = 'linear' | 'two_stage' | 'three_stage' | 'fix_two_stage';

export interface GuidanceScheduleOptions {
  start: number;
  stop?: number | null;
  steps: number;
  method?: GuidanceMethod;
}

/** g_0..g_{n−1} for n = steps. */
export function guidanceSchedule(opts: GuidanceScheduleOptions): number[] {
  const { start, stop, steps: n } = opts;
  const method = opts.method ?? 'linear';
  if (!Number.isInteger(n) || n < 1) throw new Error(`guidanceSchedule: steps must be a positive integer, got ${n}`);
  if (!Number.isFinite(start)) throw new Error(`guidanceSchedule: start must be a finite number, got ${start}`);
  if (stop != null && !Number.isFinite(stop)) throw new Error(`guidanceSchedule: stop must be a finite number or null, got ${stop}`);
  if (stop == null || stop === start) return new Array<number>(n).fill(start);
  const fill = (parts: [number, number][]) => parts.flatMap(([v, k]) => new Array<number>(Math.max(0, k)).fill(v)).slice(0, n);
  switch (method) {
    case 'linear': {
      if (n === 1) return [start];
      const step = (stop - start) / (n - 1);
      return Array.from({ length: n }, (_, i) => (i === n - 1 ? stop : i * step + start));
    }
    case 'two_stage': {
      const k = Math.floor(n / 2);
      return fill([[start, k], [stop, n - k]]);
    }
    case 'three_stage': {
      const k = Math.floor(n / 3);
      return fill([[start, k], [Math.floor((start + stop) / 2), k], [stop, n - 2 * k]]);
    }
    case 'fix_two_stage':
      return fill([[start, 3], [stop, n - 3]]);
    default:
      throw new Error(`guidanceSchedule: unknown method '${String(method)}' (use linear, two_stage, three_stage or fix_two_stage)`);
  }
}

/**
 * e = e_u + g·(e_c − e_u) on a (2, c, t, h, w) prediction whose batch halves are [uncond, cond].
 * Returns (1, c, t, h, w). Float32 arithmetic in torch's order: u + g·(c − u), g cast to float32.
 */
export function applyCfg(eps: Float32Array, shape: readonly number[], g: number): Float32Array<ArrayBuffer> {
  if (shape.length < 1 || shape[0] !== 2) throw new Error(`applyCfg: expected batch 2 ([uncond, cond]), got shape [${shape.join(', ')}]`);
  const total = shape.reduce((a, b) => a * b, 1);
  if (eps.length !== total) throw new Error(`applyCfg: eps has ${eps.length} values, shape [${shape.join(', ')}] needs ${total}`);
  const half = total / 2;
  const f = Math.fround;
  const g32 = f(g);
  const out = new Float32Array(half);
  for (let k = 0; k < half; k++) {
    const u = eps[k];
    out[k] = u + f(g32 * f(eps[half + k] - u));
  }
  return out;
}
