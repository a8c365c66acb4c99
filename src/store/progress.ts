import type { AppError } from '../rpc/errors';
import type { ProgressEvent, Stage } from '../rpc/progress';

export type JobStatus = 'idle' | 'loading' | 'running' | 'encoding' | 'done' | 'error' | 'cancelled';

export interface LiveFrame {
  index: number;
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

/** Everything the UI shows about the current (or last) generation. */
export interface JobState {
  status: JobStatus;
  stage: Stage | null;
  stageMessage: string | null;
  startedAt: number;
  stageStartedAt: number;
  /**
   * Denoising: steps finished, total steps, and the window last reported in the current step.
   * A window event is sent as window `window` starts (src/pipeline/generateVideo.ts), so `window`
   * windows of the current step are done.
   */
  stepsDone: number;
  steps: number;
  window: number; // 0-based, -1 before any window event of this step
  windows: number;
  /**
   * Shot (n_batch, spec §1.6) being denoised, 0-based, and the number of shots; read from the
   * events' optional `shot`/`shots` (0 shots = not reported: one shot). Steps restart at each shot.
   */
  shot: number;
  shots: number;
  /** The steps counted are the first-frame pipeline's (generate/redraw, spec §2.4), before shot 0. */
  firstFrame: boolean;
  msPerStep: number | null;
  /** Decoding: frames decoded so far / total. */
  framesDone: number;
  frames: number;
  /** Video encoding: frames written / total. */
  encoded: number;
  encodeFrames: number;
  /** Remaining time of the current stage, estimated at `etaAt`. */
  etaMs: number | null;
  etaAt: number;
  liveFrames: LiveFrame[];
  lastLog: string | null;
  /** The run's memory plan in words (and what happened when memory ran out); kept after the run. */
  plan: string | null;
  resultUrl: string | null;
  resultName: string | null;
  resultBytes: number;
  /** The result's type: 'video/mp4', 'video/webm', 'image/gif' or 'application/zip' (PNG frames). */
  resultMime: string | null;
  /** Which encoder made it and why, e.g. "WebCodecs avc1.42001e: auto: this browser encodes H.264 ...". */
  resultNote: string | null;
  timings: { totalMs: number; msPerStep: number; denoiseMs: number; decodeMs: number; encodeMs: number } | null;
  error: AppError | null;
}

export const IDLE_JOB: JobState = {
  status: 'idle',
  stage: null,
  stageMessage: null,
  startedAt: 0,
  stageStartedAt: 0,
  stepsDone: 0,
  steps: 0,
  window: -1,
  windows: 0,
  shot: 0,
  shots: 0,
  firstFrame: false,
  msPerStep: null,
  framesDone: 0,
  frames: 0,
  encoded: 0,
  encodeFrames: 0,
  etaMs: null,
  etaAt: 0,
  liveFrames: [],
  lastLog: null,
  plan: null,
  resultUrl: null,
  resultName: null,
  resultBytes: 0,
  resultMime: null,
  resultNote: null,
  timings: null,
  error: null,
};

export const BUSY_STATUSES: ReadonlySet<JobStatus> = new Set(['loading', 'running', 'encoding']);
export const isBusy = (status: JobStatus): boolean => BUSY_STATUSES.has(status);

export const STAGE_ORDER: readonly Stage[] = ['load-pack', 'encode-text', 'encode-image', 'denoise', 'decode', 'encode-video'];

export const STAGE_LABEL: Record<Stage, string> = {
  'load-pack': 'Loading model pack',
  'encode-text': 'Encoding text',
  'encode-image': 'Encoding image',
  denoise: 'Denoising',
  decode: 'Decoding frames',
  'encode-video': 'Encoding video',
};

/** Share of the progress bar each stage fills (sums to 1); denoising dominates the run time. */
const STAGE_WEIGHT: Record<Stage, number> = {
  'load-pack': 0.05,
  'encode-text': 0.02,
  'encode-image': 0.03,
  denoise: 0.75,
  decode: 0.1,
  'encode-video': 0.05,
};

export function statusForStage(stage: Stage): JobStatus {
  if (stage === 'load-pack') return 'loading';
  if (stage === 'encode-video') return 'encoding';
  return 'running';
}

/** A fresh job that has just been started at `now`. */
export function startJob(now: number): JobState {
  return { ...IDLE_JOB, status: 'loading', stage: 'load-pack', startedAt: now, stageStartedAt: now, etaAt: now };
}

function enterStage(job: JobState, stage: Stage, now: number): JobState {
  if (job.stage === stage) return job;
  return { ...job, stage, stageMessage: null, status: statusForStage(stage), stageStartedAt: now };
}

/**
 * Follow the phase of a step/window event: the first-frame pipeline (`firstFrame`) or shot `shot`
 * of `shots` (optional fields, absent from older workers' events: read without relying on the
 * event type declaring them). A new phase or shot restarts the step count.
 */
function enterShot(job: JobState, event: ProgressEvent): JobState {
  const { shot, shots, firstFrame } = event as { shot?: unknown; shots?: unknown; firstFrame?: unknown };
  const ff = firstFrame === true;
  const next = { ...job, firstFrame: ff };
  if (!ff && typeof shot === 'number' && typeof shots === 'number' && shots >= 1) Object.assign(next, { shot, shots });
  if (next.firstFrame === job.firstFrame && next.shot === job.shot && next.shots === job.shots) return job;
  const restart = next.firstFrame !== job.firstFrame || next.shot !== job.shot;
  if (!restart) return next;
  // Shots share a step time; the first frame's (T = 1) says nothing about the video's.
  return { ...next, stepsDone: 0, window: -1, msPerStep: next.firstFrame === job.firstFrame ? job.msPerStep : null };
}

/**
 * Fold one progress event into the job. Pure; `now` is the event's arrival time (ms).
 * Events for a job that is no longer busy are ignored (late events after cancel).
 * Window/step events imply the denoise stage, frame events decode, encode events encode-video,
 * so a worker that skips a `stage` event still shows the right stage.
 */
export function reduceProgress(job: JobState, event: ProgressEvent, now: number): JobState {
  if (!isBusy(job.status)) return job;
  let next: JobState;
  switch (event.type) {
    case 'stage':
      next = { ...enterStage(job, event.stage, now), stageMessage: event.message ?? null };
      break;
    case 'window': {
      const j = enterShot(enterStage(job, 'denoise', now), event);
      next = { ...j, steps: event.steps, stepsDone: Math.max(j.stepsDone, event.step), window: event.window, windows: event.windows };
      break;
    }
    case 'step': {
      const j = enterShot(enterStage(job, 'denoise', now), event);
      next = { ...j, steps: event.steps, stepsDone: Math.max(j.stepsDone, event.step + 1), window: -1, msPerStep: event.msPerStep };
      break;
    }
    case 'frame': {
      const j = enterStage(job, 'decode', now);
      const frame: LiveFrame = { index: event.frame, width: event.width, height: event.height, rgba: event.rgba };
      const others = j.liveFrames.filter((f) => f.index !== event.frame);
      const liveFrames = [...others, frame].sort((a, b) => a.index - b.index);
      next = { ...j, frames: event.frames, framesDone: liveFrames.length, liveFrames };
      break;
    }
    case 'encode': {
      const j = enterStage(job, 'encode-video', now);
      // `frame` counts frames written (0..frames), as src/video's FrameProgress reports it.
      next = { ...j, encodeFrames: event.frames, encoded: Math.min(event.frames, Math.max(j.encoded, event.frame)) };
      break;
    }
    case 'log':
      return { ...job, lastLog: event.message };
    case 'plan':
      return { ...job, plan: event.shrunk && job.plan ? `${job.plan} ${event.summary}` : event.summary };
  }
  return { ...next, etaMs: estimateEtaMs(next, now), etaAt: now };
}

/** Steps of all shots: the counters the denoise stage runs through. */
function totalSteps(job: JobState): number {
  return job.steps * Math.max(1, job.shots);
}

/** Steps finished in earlier shots and this one. */
function stepsDoneAll(job: JobState): number {
  return job.shot * job.steps + job.stepsDone;
}

/** Share of the current step already done: windows started before the current one. */
function windowShare(job: JobState): number {
  return job.window >= 0 && job.windows > 0 ? job.window / job.windows : 0;
}

/** How far the current stage is, in [0, 1]; null when the stage reports no counters. */
export function stageFraction(job: JobState): number | null {
  switch (job.stage) {
    case 'denoise': {
      if (job.steps <= 0 || job.firstFrame) return null; // the video's step count is not known yet
      return Math.min(1, (stepsDoneAll(job) + windowShare(job)) / totalSteps(job));
    }
    case 'decode':
      return job.frames > 0 ? Math.min(1, job.framesDone / job.frames) : null;
    case 'encode-video':
      return job.encodeFrames > 0 ? Math.min(1, job.encoded / job.encodeFrames) : null;
    default:
      return null;
  }
}

/**
 * Remaining time of the current stage (ms), or null when there is nothing to extrapolate from.
 * Denoising with a known mean step time: (steps of all shots − done − window share) × msPerStep.
 * Otherwise linear: elapsed × (1 − f) / f for the stage fraction f.
 * Example: 4 of 10 steps done at 500 ms/step, window 2 of 2 of step 5 running → (10 − 4 − 0.5) × 500 = 2750 ms.
 */
export function estimateEtaMs(job: JobState, now: number): number | null {
  const f = stageFraction(job);
  if (f === null || f <= 0) return null;
  if (f >= 1) return 0;
  if (job.stage === 'denoise' && job.msPerStep !== null && job.msPerStep > 0 && stepsDoneAll(job) > 0) {
    return Math.max(0, (totalSteps(job) - stepsDoneAll(job) - windowShare(job)) * job.msPerStep);
  }
  const elapsed = now - job.stageStartedAt;
  if (elapsed <= 0) return null;
  return Math.max(0, (elapsed * (1 - f)) / f);
}

/** Whole-job progress in [0, 1] for the bar: finished stages' weights + the current stage's share. */
export function overallFraction(job: JobState): number {
  if (job.status === 'done') return 1;
  if (!job.stage) return 0;
  let total = 0;
  for (const stage of STAGE_ORDER) {
    if (stage === job.stage) return Math.min(1, total + STAGE_WEIGHT[stage] * (stageFraction(job) ?? 0));
    total += STAGE_WEIGHT[stage];
  }
  return total;
}

/**
 * The line under the bar, e.g. "Denoising step 3/10 · window 2/4", with several shots
 * "Denoising shot 2/3 · step 3/10 · window 2/4", or "Decoding frame 5/13".
 */
export function describeProgress(job: JobState): string {
  switch (job.status) {
    case 'idle':
      return 'Ready';
    case 'done':
      return 'Done';
    case 'cancelled':
      return 'Cancelled';
    case 'error':
      return job.error ? `Failed: ${job.error.message}` : 'Failed';
  }
  if (!job.stage) return 'Starting…';
  const label = STAGE_LABEL[job.stage];
  if (job.stage === 'denoise' && job.steps > 0) {
    const step = Math.min(job.steps, job.stepsDone + 1);
    const win = job.window >= 0 && job.windows > 0 ? ` · window ${job.window + 1}/${job.windows}` : '';
    const shot = job.firstFrame ? ' first frame ·' : job.shots > 1 ? ` shot ${job.shot + 1}/${job.shots} ·` : '';
    return `${label}${shot} step ${step}/${job.steps}${win}`;
  }
  if (job.stage === 'decode' && job.frames > 0) return `Decoding frame ${job.framesDone}/${job.frames}`;
  if (job.stage === 'encode-video' && job.encodeFrames > 0) return `${label} ${job.encoded}/${job.encodeFrames}`;
  return job.stageMessage ? `${label}: ${job.stageMessage}` : `${label}…`;
}

/** "≈ 1 min 5 s left" style text; null when unknown. `now` ages the estimate between events. */
export function formatEta(job: JobState, now: number): string | null {
  if (job.etaMs === null || !isBusy(job.status)) return null;
  const ms = Math.max(0, job.etaMs - Math.max(0, now - job.etaAt));
  const s = Math.round(ms / 1000);
  if (s < 1) return 'almost done';
  if (s < 60) return `≈ ${s} s left`;
  const m = Math.floor(s / 60);
  return `≈ ${m} min ${s % 60} s left`;
}
