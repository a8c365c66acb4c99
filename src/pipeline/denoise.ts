/**
 * The denoising loop of one MuseV pipeline call (spec §1.3-§1.5, §2.1, §3): Visual Conditioned
 * Parallel Denoising over fixed windows, CFG, deterministic Euler. Used for the video shots and,
 * with no condition frame and one window [0], for the first frame (T = 1, spatial UNet).
 *
 * Notation (spec §1.5):
 *   L      latents (1, 4, N, h, w);   C  clean condition latent (1, 4, 1, h, w), or none
 *   W      windows (index lists into L's N frames), fixed for every step
 *   B      2 with CFG ([uncond, cond]), else 1
 *   g_i    guidance at step i;  σ_i  Euler sigmas;  t_i  timesteps
 * For every step i and window c:
 *   x = L[:, :, c] / √(σ_i² + 1), repeated B times;   xin = concat_t([C]·B, x)  (C clean, unscaled)
 *   eps_c = unet(xin, t_i, E, frame_index, P, R)[:, :, nv:]   (nv = 1 with C, else 0)
 *   acc[:, :, c] += eps_c;  cnt[c] += 1
 * eps = acc / cnt;  eps = eps_u + g_i (eps_c − eps_u);  L = L + (σ_{i+1} − σ_i)·eps
 * After each step MuseV's Euler `step` draws noise and multiplies it by 0 (s_churn = 0): the draw
 * only advances the generator, and we advance ours the same way (advanceStepNoise).
 * A window with repeated frames ('uniform' with stride levels > 1) adds once per frame, the last
 * occurrence winning, as torch's `noise_pred[:, :, c] += …` does (scatterAddFrames).
 * When the UNet offers `resident` (WebGPU, src/runtime/residentLoop.ts) the same numbers are
 * computed on the device and L is read back once per shot; this file keeps the step loop either way.
 */
import type { EulerDiscreteScheduler } from '../core/eulerDiscrete';
import { applyCfg } from '../core/guidance';
import { concatFrames, divideByCount, gatherFrames, repeatBatch, scatterAddFrames } from '../core/latents';
import type { Mt19937 } from '../core/mt19937';
import { advanceStepNoise, type NoiseType } from '../core/noise';
import { checkAbort } from './cancel';
import type { DenoiserNet, TensorF32, UnetConditioning } from './networks';
import { predictWindows } from './unetBatch';
import { groupWindows, shrinkUnetPlan, type UnetPlan } from '../core/memoryPlan';
import { AppErrorException, appError, isOutOfMemory } from '../rpc/errors';

export interface DenoiseOptions {
  unet: DenoiserNet;
  /** setTimesteps already called. */
  scheduler: EulerDiscreteScheduler;
  /** Initial latents L, shape (1, 4, N, h, w). */
  latents: Float32Array;
  shape: number[];
  /** Text embeddings (B, L, D), [negative; prompt] with CFG. */
  E: TensorF32;
  /** Clean condition latent (1, 4, 1, h, w), prepended to every window; absent for text → image. */
  cond?: TensorF32;
  windows: number[][];
  /** g_0 … g_{n−1}. */
  guidance: number[];
  doCfg: boolean;
  /** frame_index for a UNet input of T frames. */
  frameIndex(T: number): number[];
  conditioning?: UnetConditioning;
  /**
   * Windows per UNet call (same-length windows stacked along the batch, memoryPlan.groupWindows)
   * and whether the CFG halves share a call. Default: MuseV's one window per call, halves together.
   */
  unetPlan?: UnetPlan;
  /**
   * Called when a step ran out of GPU memory and is retried with `plan` (memoryPlan.shrinkUnetPlan):
   * the step restarts from its latents, which only change once all its windows are done.
   */
  onPlanShrunk?(step: number, plan: UnetPlan, error: unknown): void;
  /** Steps already done: `latents` is L after them (a resumed run); default 0. */
  startStep?: number;
  /**
   * Called after every completed step with L after it (stepsDone = i + 1) and the generator already
   * advanced past that step: a run can be resumed from here. On the GPU-resident loop this reads L
   * back once per step (N·4·h·w floats), so it is only done when asked.
   */
  onCheckpoint?(stepsDone: number, latents: Float32Array): void;
  /** The `noise_type` the Euler step draws with, and the run's generator. */
  stepNoise: { type: NoiseType; rng: Mt19937 };
  onWindow?(step: number, window: number): void;
  onStep?(step: number, msPerStep: number): void;
  signal?: AbortSignal;
}

export async function denoise(o: DenoiseOptions): Promise<Float32Array> {
  const [, c4, N, h, w] = o.shape;
  const B = o.doCfg ? 2 : 1;
  const steps = o.scheduler.timesteps.length;
  if (o.guidance.length < steps) throw new Error(`denoise: ${o.guidance.length} guidance values for ${steps} steps`);
  let plan = o.unetPlan ?? { windowsPerCall: 1, cfgTogether: true };
  // C repeated for the B halves, prepended to every window (CPU loop), once per shot
  const condB = o.cond ? repeatBatch(o.cond.data, o.cond.shape, B) : undefined;
  let L = o.latents;
  // On the device (residentDenoise.ts) when the UNet offers it: L stays there until the shot ends.
  const shot = await o.unet.resident?.start({
    latents: o.latents, shape: o.shape, E: o.E, cond: o.cond, windows: o.windows, doCfg: o.doCfg, frameIndex: o.frameIndex,
    conditioning: o.conditioning, timesteps: o.scheduler.timesteps, sigmas: o.scheduler.sigmas, guidance: o.guidance,
  });
  try {
    const t0 = performance.now();
    const first = o.startStep ?? 0;
    for (let i = first; i < steps; ) {
      try {
        if (shot) {
          await shot.step(i, plan, (k) => o.onWindow?.(i, k), () => checkAbort(o.signal));
        } else {
          const acc = await noisePrediction(o, i, L, plan, condB);
          const eps = o.doCfg ? applyCfg(acc, [B, c4, N, h, w], o.guidance[i]) : acc;
          L = o.scheduler.step(eps, i, L);
        }
      } catch (e) {
        const smaller = isOutOfMemory(e) ? shrinkUnetPlan(plan, o.doCfg) : undefined;
        if (!smaller) throw isOutOfMemory(e) ? outOfMemoryAtSmallestPlan(e) : e;
        plan = smaller;
        o.onPlanShrunk?.(i, plan, e);
        continue; // the same step again, from the same latents
      }
      advanceStepNoise({ type: o.stepNoise.type, shape: o.shape, rng: o.stepNoise.rng });
      if (o.onCheckpoint) o.onCheckpoint(i + 1, shot ? await shot.read() : L);
      o.onStep?.(i, (performance.now() - t0) / (i + 1 - first));
      i++;
    }
    return shot ? await shot.read() : L;
  } finally {
    shot?.dispose();
  }
}

/** eps averaged over the windows for step i (before CFG), shape (B, 4, N, h, w). */
async function noisePrediction(o: DenoiseOptions, i: number, L: Float32Array, plan: UnetPlan, condB: Float32Array | undefined): Promise<Float32Array> {
  const [, c4, N, h, w] = o.shape;
  const B = o.doCfg ? 2 : 1;
  const nv = o.cond ? 1 : 0;
  const accShape = [B, c4, N, h, w];
  const acc = new Float32Array(B * c4 * N * h * w);
  const count = new Float32Array(N);
  const t = o.scheduler.timesteps[i];
  for (const group of groupWindows(o.windows.map((c) => c.length), plan.windowsPerCall)) {
    const n = o.windows[group[0]].length;
    const sampleShape = [B, c4, nv + n, h, w];
    const samples = group.map((k) => {
      o.onWindow?.(i, k);
      const x = o.scheduler.scaleModelInput(gatherFrames(L, o.shape, o.windows[k]), i);
      const xB = repeatBatch(x, [1, c4, n, h, w], B);
      return condB ? concatFrames(condB, [B, c4, 1, h, w], xB, [B, c4, n, h, w]) : xB;
    });
    const unetCall = { B, cfgTogether: plan.cfgTogether };
    const eps = await predictWindows(o.unet, samples, sampleShape, t, o.E, o.frameIndex(nv + n), o.conditioning, unetCall);
    checkAbort(o.signal);
    group.forEach((k, g) => {
      // Drop the condition position, then accumulate into the window's frames.
      const c = o.windows[k];
      const epsNoisy = nv ? gatherFrames(eps[g], sampleShape, c.map((_, j) => j + nv)) : eps[g];
      scatterAddFrames(acc, accShape, epsNoisy, c, count);
    });
  }
  divideByCount(acc, accShape, count);
  return acc;
}


function outOfMemoryAtSmallestPlan(e: unknown): AppErrorException {
  return appError(
    'out-of-memory',
    'The GPU ran out of memory even with one window per UNet call and the guidance halves run apart. ' +
      'Lower the width/height first, then the context frames (frames per window).',
    e instanceof AppErrorException ? e.appError.detail : String(e),
  );
}
