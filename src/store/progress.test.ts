import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../rpc/progress';
import {
  IDLE_JOB,
  describeProgress,
  estimateEtaMs,
  formatEta,
  overallFraction,
  reduceProgress,
  stageFraction,
  startJob,
  type JobState,
} from './progress';

function run(events: [number, ProgressEvent][], from: JobState = startJob(0)): JobState {
  return events.reduce((job, [t, e]) => reduceProgress(job, e, t), from);
}

const frame = (i: number, n: number): ProgressEvent => ({
  type: 'frame', frame: i, frames: n, width: 2, height: 1, rgba: new Uint8ClampedArray(8).fill(i),
});

describe('reduceProgress', () => {
  it('moves through stages and sets the status word', () => {
    let job = startJob(0);
    expect(job.status).toBe('loading');
    job = reduceProgress(job, { type: 'stage', stage: 'encode-text' }, 10);
    expect(job).toMatchObject({ status: 'running', stage: 'encode-text', stageStartedAt: 10 });
    job = reduceProgress(job, { type: 'stage', stage: 'encode-video' }, 20);
    expect(job.status).toBe('encoding');
  });

  it('counts windows and steps during denoising', () => {
    const job = run([
      [0, { type: 'stage', stage: 'denoise' }],
      [100, { type: 'window', step: 0, steps: 10, window: 0, windows: 2 }],
      [200, { type: 'window', step: 0, steps: 10, window: 1, windows: 2 }],
      [200, { type: 'step', step: 0, steps: 10, msPerStep: 200 }],
      [300, { type: 'window', step: 1, steps: 10, window: 0, windows: 2 }],
    ]);
    expect(job).toMatchObject({ stage: 'denoise', stepsDone: 1, steps: 10, window: 0, windows: 2, msPerStep: 200 });
    expect(stageFraction(job)).toBeCloseTo(0.1);
    expect(describeProgress(job)).toBe('Denoising step 2/10 · window 1/2');
    // (10 - 1 - 0) * 200
    expect(job.etaMs).toBe(1800);
    const second = reduceProgress(job, { type: 'window', step: 1, steps: 10, window: 1, windows: 2 }, 400);
    expect(stageFraction(second)).toBeCloseTo(0.15);
    expect(second.etaMs).toBe(1700);
  });

  it('infers the stage from counters when no stage event came', () => {
    const job = run([[5, { type: 'window', step: 0, steps: 4, window: 0, windows: 1 }]]);
    expect(job).toMatchObject({ stage: 'denoise', status: 'running', stageStartedAt: 5 });
  });

  it('collects live frames in order, replacing duplicates', () => {
    const job = run([
      [0, { type: 'stage', stage: 'decode' }],
      [10, frame(1, 3)],
      [20, frame(0, 3)],
      [30, frame(1, 3)],
    ]);
    expect(job.liveFrames.map((f) => f.index)).toEqual([0, 1]);
    expect(job.framesDone).toBe(2);
    expect(describeProgress(job)).toBe('Decoding frame 2/3');
    // 30 ms for 2/3 → 15 ms left
    expect(job.etaMs).toBeCloseTo(15);
  });

  it('tracks video encoding', () => {
    const job = run([[0, { type: 'stage', stage: 'encode-video' }], [50, { type: 'encode', frame: 5, frames: 10 }]]);
    expect(job).toMatchObject({ status: 'encoding', encoded: 5, encodeFrames: 10 });
    expect(describeProgress(job)).toBe('Encoding video 5/10');
    expect(job.etaMs).toBeCloseTo(50);
    const end = reduceProgress(job, { type: 'encode', frame: 10, frames: 10 }, 90);
    expect(describeProgress(end)).toBe('Encoding video 10/10');
  });

  it('keeps the last log line and a stage message', () => {
    const job = run([
      [0, { type: 'stage', stage: 'load-pack', message: 'unet.onnx 3/10 MB' }],
      [1, { type: 'log', level: 'info', message: 'using wasm' }],
    ]);
    expect(job.lastLog).toBe('using wasm');
    expect(describeProgress(job)).toBe('Loading model pack: unet.onnx 3/10 MB');
  });

  it('keeps the memory plan, and appends what happened when memory ran out', () => {
    const job = run([
      [0, { type: 'plan', summary: '3 windows per UNet call', windowsPerCall: 3, cfgTogether: true }],
      [1, { type: 'plan', summary: 'Out of memory at step 2; retrying with 1 window.', windowsPerCall: 1, cfgTogether: true, shrunk: true }],
    ]);
    expect(job.plan).toBe('3 windows per UNet call Out of memory at step 2; retrying with 1 window.');
    expect(startJob(5).plan).toBeNull();
  });

  it('ignores events once the job is no longer busy (after cancel)', () => {
    const cancelled: JobState = { ...startJob(0), status: 'cancelled' };
    expect(reduceProgress(cancelled, frame(0, 2), 5)).toBe(cancelled);
    expect(reduceProgress(IDLE_JOB, { type: 'stage', stage: 'denoise' }, 5)).toBe(IDLE_JOB);
  });
});

describe('ETA and overall progress', () => {
  it('has no ETA before any counter', () => {
    expect(estimateEtaMs(startJob(0), 1000)).toBeNull();
    expect(formatEta(startJob(0), 1000)).toBeNull();
  });

  it('extrapolates linearly without msPerStep', () => {
    const job: JobState = { ...startJob(0), stage: 'denoise', status: 'running', stageStartedAt: 1000, steps: 4, stepsDone: 1 };
    expect(estimateEtaMs(job, 2000)).toBe(3000);
  });

  it('ages the estimate between events and formats it', () => {
    const job: JobState = { ...startJob(0), status: 'running', etaMs: 65_000, etaAt: 1000 };
    expect(formatEta(job, 1000)).toBe('≈ 1 min 5 s left');
    expect(formatEta(job, 56_000)).toBe('≈ 10 s left');
    expect(formatEta(job, 100_000)).toBe('almost done');
    expect(formatEta({ ...job, status: 'done' }, 1000)).toBeNull();
  });

  it('fills the bar by stage weights', () => {
    expect(overallFraction(IDLE_JOB)).toBe(0);
    expect(overallFraction({ ...startJob(0), status: 'done' })).toBe(1);
    const half: JobState = { ...startJob(0), stage: 'denoise', status: 'running', steps: 10, stepsDone: 5 };
    expect(overallFraction(half)).toBeCloseTo(0.1 + 0.75 / 2);
    const decoding: JobState = { ...startJob(0), stage: 'decode', status: 'running', frames: 4, framesDone: 4 };
    expect(overallFraction(decoding)).toBeCloseTo(0.95);
  });

  it('describes terminal states', () => {
    expect(describeProgress(IDLE_JOB)).toBe('Ready');
    expect(describeProgress({ ...IDLE_JOB, status: 'cancelled' })).toBe('Cancelled');
    expect(describeProgress({ ...IDLE_JOB, status: 'error', error: { code: 'internal', message: 'x' } })).toBe('Failed: x');
  });
});

describe('shots (n_batch) and the first frame', () => {
  it('shows "shot s/S" when the worker reports several shots, and counts all shots in the bar', () => {
    let job = run([
      [0, { type: 'stage', stage: 'denoise' }],
      [100, { type: 'step', step: 0, steps: 4, msPerStep: 100, shot: 0, shots: 2 }],
      [200, { type: 'step', step: 3, steps: 4, msPerStep: 100, shot: 0, shots: 2 }],
    ]);
    expect(job).toMatchObject({ shot: 0, shots: 2, stepsDone: 4 });
    expect(stageFraction(job)).toBeCloseTo(0.5);
    job = reduceProgress(job, { type: 'window', step: 0, steps: 4, window: 1, windows: 2, shot: 1, shots: 2 }, 300);
    expect(job).toMatchObject({ shot: 1, stepsDone: 0, window: 1 });
    expect(describeProgress(job)).toBe('Denoising shot 2/2 · step 1/4 · window 2/2');
    // (4 + 0 + 0.5) / 8
    expect(stageFraction(job)).toBeCloseTo(4.5 / 8);
    // (8 - 4 - 0.5) steps left at 100 ms
    expect(job.etaMs).toBe(350);
  });

  it('one shot, or events without shot fields, keep the plain text', () => {
    const one = run([[0, { type: 'step', step: 1, steps: 10, msPerStep: 10, shot: 0, shots: 1 }]]);
    expect(describeProgress(one)).toBe('Denoising step 3/10');
    const old = run([[0, { type: 'step', step: 1, steps: 10, msPerStep: 10 }]]);
    expect(old).toMatchObject({ shot: 0, shots: 0 });
    expect(describeProgress(old)).toBe('Denoising step 3/10');
  });

  it("counts the first-frame pipeline's steps on their own, then restarts for the video", () => {
    let job = run([[0, { type: 'step', step: 9, steps: 30, msPerStep: 20, firstFrame: true }]]);
    expect(describeProgress(job)).toBe('Denoising first frame · step 11/30');
    expect(stageFraction(job)).toBeNull();
    job = reduceProgress(job, { type: 'window', step: 0, steps: 10, window: 0, windows: 1, shot: 0, shots: 1 }, 100);
    expect(job).toMatchObject({ firstFrame: false, stepsDone: 0, steps: 10, msPerStep: null });
    expect(describeProgress(job)).toBe('Denoising step 1/10 · window 1/1');
  });
});
