/**
 * Context windows for Visual Conditioned Parallel Denoising (spec §1.2): which noisy latent frames
 * each UNet call sees. Computed once per pipeline call and reused for every denoising step
 * (MuseV `prepare_global_context` with step = 0, context_batch_size = 1).
 *
 * Notation:
 *   N   frames       noisy frames (time_size); the condition frame is not counted
 *   F   contextFrames window length (context_frames)
 *   O   overlap       frames shared by consecutive windows (context_overlap), 0 ≤ O < F
 *   S   contextStride number of stride levels for 'uniform' (context_stride; MuseV CLI default 1)
 *
 * 'uniform_v2' (MuseV default; MMCM generate_sample_idxs): stride s = F − O; windows
 *   [start, min(start + F, N)) for start = 0, s, 2s, … < N. The last window may be shorter.
 * 'uniform' (AnimateDiff scheduler, closed_loop = True, step 0): if N ≤ F one window of all frames;
 *   else for k = 0 .. min(S, ⌈log2(N/F)⌉ + 1) − 1 with c = 2^k, starts j = 0, F·c − O, … < N, each
 *   window = [(j + i·c) mod N for i < F]: always F indices, wrapping around the end of the clip.
 * drop_last_repeat_context (both schedules): with ≥ 2 windows, if the last window ends on the same
 *   frame as the one before it, the last window is dropped (only that one pair is checked).
 *
 * Worked examples:
 *   N = 10, F = 4, O = 2, uniform_v2: [0..3] [2..5] [4..7] [6..9]   ([8, 9] ends like [6..9]: dropped)
 *   N = 10, F = 4, O = 2, uniform:    [0..3] [2..5] [4..7] [6..9] [8, 9, 0, 1]
 *   N = 13, F = 12, O = 4, uniform_v2: [0..11] [8..12]; uniform: [0..11] [8..12, 0..6]
 *   N = 30, F = 12, O = 4, uniform_v2: [0..11] [8..19] [16..27] [24..29]
 *   N = 144, F = 12, O = 4, uniform_v2: 17 windows of 12 starting 0, 8, …, 128, then [136..143]
 */

export type ContextSchedule = 'uniform_v2' | 'uniform';

export interface PlanWindowsOptions {
  /** N: noisy frames to cover (time_size). */
  frames: number;
  /** F: frames per window (context_frames). */
  contextFrames: number;
  /** O: overlap between consecutive windows, 0 ≤ O < F. */
  overlap: number;
  schedule: ContextSchedule;
  /** S: stride levels for 'uniform' (default 1, MuseV's CLI default). Ignored by 'uniform_v2'. */
  contextStride?: number;
}

function requireInt(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) {
    throw new Error(`planWindows: ${name} must be an integer ≥ ${min}, got ${v}`);
  }
}

/** MMCM generate_sample_idxs(total = N, window_size = F, step = F − O, sample_rate = 1, drop_last = False). */
function uniformV2(n: number, size: number, overlap: number): number[][] {
  const step = size - overlap;
  const out: number[][] = [];
  for (let start = 0; start < n; start += step) {
    const end = Math.min(start + size, n);
    out.push(Array.from({ length: end - start }, (_, i) => start + i));
  }
  return out;
}

/** The AnimateDiff `uniform` context scheduler at step 0 with closed_loop = True. */
function uniformClosedLoop(n: number, size: number, overlap: number, stride: number): number[][] {
  if (n <= size) return [Array.from({ length: n }, (_, i) => i)];
  const levels = Math.min(stride, Math.ceil(Math.log2(n / size)) + 1);
  const out: number[][] = [];
  for (let k = 0; k < levels; k++) {
    const c = 2 ** k;
    const hop = size * c - overlap;
    for (let j = 0; j < n; j += hop) {
      out.push(Array.from({ length: size }, (_, i) => (j + i * c) % n));
    }
  }
  return out;
}

/** MuseV drop_last_repeat_context: drop the last window if it ends where the previous one ends. */
export function dropLastRepeatContext(windows: number[][]): number[][] {
  const n = windows.length;
  if (n >= 2 && windows[n - 1][windows[n - 1].length - 1] === windows[n - 2][windows[n - 2].length - 1]) {
    return windows.slice(0, -1);
  }
  return windows;
}

/** Index lists into the N noisy frames, one per window, in the order MuseV runs them. */
export function planWindows(opts: PlanWindowsOptions): number[][] {
  const { frames, contextFrames, overlap, schedule } = opts;
  const stride = opts.contextStride ?? 1;
  requireInt('frames', frames, 1);
  requireInt('contextFrames', contextFrames, 1);
  requireInt('overlap', overlap, 0);
  requireInt('contextStride', stride, 1);
  if (overlap >= contextFrames) {
    throw new Error(`planWindows: overlap (${overlap}) must be smaller than contextFrames (${contextFrames})`);
  }
  let windows: number[][];
  if (schedule === 'uniform_v2') windows = uniformV2(frames, contextFrames, overlap);
  else if (schedule === 'uniform') windows = uniformClosedLoop(frames, contextFrames, overlap, stride);
  else throw new Error(`planWindows: unknown schedule '${String(schedule)}' (use 'uniform_v2' or 'uniform')`);
  return dropLastRepeatContext(windows);
}

/** How many windows cover each frame (the merge counter of spec §1.4). */
export function windowCoverage(frames: number, windows: readonly (readonly number[])[]): Int32Array {
  const count = new Int32Array(frames);
  for (const w of windows) for (const i of w) count[i]++;
  return count;
}
