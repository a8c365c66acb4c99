/**
 * The GPU-resident denoising loop (src/pipeline/residentDenoise.ts) on onnxruntime-web: L, the
 * window inputs, the UNet's noise predictions and the accumulated eps stay device tensors between
 * steps and calls; only L is read back, once, when the shot asks for it.
 *
 * Per step i (notation of denoise.ts; graphs of models/musev_export/step_graphs.py):
 *   for each call (memoryPlan.groupWindows: k windows of n frames, T = nv + n):
 *     sample = window_input(L, idx (k, n), d = √(σ_i² + 1), C, reps)      (k·B or k, 4, T, h, w)
 *     eps    = unet(sample, t_i, E tiled, frame_index, conditioning tiled) per CFG half or together
 *     acc    = accumulate(acc, eps, S, half)   S (k·T, N): 1 where a window position feeds frame f
 *              (0 at the condition position; a repeated frame counts at its last occurrence)
 *   L = euler_cfg(acc, count, L, g_i, σ_i, σ_{i+1} − σ_i)
 * Uploaded once per shot (device buffers we own, `Uploads`): initial L, C, E and the conditioning
 * tiled per call shape, S, count, the half masks and the zero accumulator. Scalars and int64 index
 * inputs go as small CPU tensors. Every intermediate output is disposed as soon as it is used.
 */
import { tileHalves } from '../core/batch';
import { groupWindows } from '../core/memoryPlan';
import type { TensorF32, UnetConditioning } from '../pipeline/networks';
import type { ResidentDenoiser, ResidentShot, ResidentShotInput } from '../pipeline/residentDenoise';
import { runError } from './ortNetworks';
import type { Ort, OrtSession, OrtTensor } from './ortTypes';
import { readLatents, type RunCounters } from './runCounters';
import type { StepSessions } from './stepGraphs';
import { unetConditioningFeeds } from './unetFeeds';
import { Uploads } from './uploads';

export interface ResidentDeps {
  ort: Ort;
  unet: OrtSession;
  steps: StepSessions;
  counters: RunCounters;
  /** Our WebGPU device (inputs uploaded once per shot); absent: CPU tensors (wasm, tests). */
  device?: GPUDevice;
  what?: string;
}

const f = Math.fround;
type Feeds = Record<string, OrtTensor>;

/** S (k·T, N) for the windows of one call, and count (N) over all windows. */
export function selectMatrix(windows: number[][], N: number, nv: number): Float32Array {
  const T = nv + windows[0].length;
  const S = new Float32Array(windows.length * T * N);
  windows.forEach((c, j) => {
    const last = new Map<number, number>();
    c.forEach((frame, p) => last.set(frame, p));
    for (const [frame, p] of last) S[(j * T + nv + p) * N + frame] = 1;
  });
  return S;
}

export function frameCounts(windows: number[][], N: number): Float32Array {
  const count = new Float32Array(N);
  for (const c of windows) for (const frame of new Set(c)) count[frame] += 1;
  for (let t = 0; t < N; t++) if (!(count[t] > 0)) throw new Error(`residentLoop: frame ${t} is covered by no window`);
  return count;
}

async function runOne(session: OrtSession, feeds: Feeds, output: string, what: string): Promise<OrtTensor> {
  let results;
  try {
    results = await session.run(feeds);
  } catch (e) {
    throw runError(e, what);
  }
  for (const [name, t] of Object.entries(results)) if (name !== output) t.dispose();
  return results[output];
}

class Shot implements ResidentShot {
  private L: OrtTensor;
  private lastRead?: { of: OrtTensor; data: Float32Array };
  private readonly up: Uploads;
  private readonly B: number;
  private readonly nv: number;
  private readonly dims: { C: number; N: number; h: number; w: number };

  constructor(private readonly d: ResidentDeps, private readonly x: ResidentShotInput) {
    this.up = new Uploads(d.ort, d.device);
    const [, C, N, h, w] = x.shape;
    this.dims = { C, N, h, w };
    this.B = x.doCfg ? 2 : 1;
    this.nv = x.cond ? 1 : 0;
    this.L = this.up.tensor('L0', () => ({ data: x.latents, shape: x.shape }));
  }

  async step(i: number, plan: { windowsPerCall: number; cfgTogether: boolean }, onWindow: (k: number) => void, afterCall: () => void): Promise<void> {
    const { ort, counters } = this.d;
    const { C, N, h, w } = this.dims;
    const before = counters.bytesReadBack;
    const sigma = f(this.x.sigmas[i]);
    const scalar = (v: number) => new ort.Tensor('float32', Float32Array.of(v), [1]);
    const owned = new Set<OrtTensor>();
    const drop = (t: OrtTensor) => owned.delete(t) && t.dispose();
    let acc = this.up.tensor('acc0', () => ({ data: new Float32Array(this.B * C * N * h * w), shape: [this.B, C, N, h * w] }));
    try {
      for (const group of groupWindows(this.x.windows.map((c) => c.length), plan.windowsPerCall)) {
        const together = this.B === 1 || plan.cfgTogether;
        group.forEach(onWindow);
        const sample = await this.windowInput(group, together ? this.B : 1, f(Math.sqrt(f(f(sigma * sigma) + 1))));
        owned.add(sample);
        const halves: [number, number][] = together ? [[0, this.B]] : [[0, 1], [1, 1]];
        for (const [from, count] of halves) {
          const eps = await this.unet(sample, i, group, from, count);
          owned.add(eps);
          afterCall();
          const next = await this.accumulate(acc, eps, group, from, count);
          owned.add(next);
          drop(eps);
          drop(acc);
          acc = next;
        }
        drop(sample);
      }
      const feeds = {
        acc, count: this.up.tensor('count', () => ({ data: frameCounts(this.x.windows, N), shape: [1, 1, N, 1] })), latents: this.L,
        g: scalar(this.x.guidance[i]), sigma: scalar(sigma), dt: scalar(f(this.x.sigmas[i + 1] - sigma)),
      };
      const next = await runOne(this.d.steps.euler_cfg, feeds, 'latents_out', 'Euler step');
      if (!this.up.owns(this.L)) this.L.dispose();
      this.L = next; // L before the step stays valid until here: a failed step keeps it
    } finally {
      for (const t of owned) t.dispose();
      counters.stepBytesReadBack.push(counters.bytesReadBack - before);
    }
  }

  private windowInput(group: number[], reps: number, d: number): Promise<OrtTensor> {
    const { ort } = this.d;
    const idx = group.flatMap((k) => this.x.windows[k]);
    const n = this.x.windows[group[0]].length;
    const feeds: Feeds = {
      latents: this.L,
      idx: new ort.Tensor('int64', BigInt64Array.from(idx, (v) => BigInt(v)), [group.length, n]),
      d: new ort.Tensor('float32', Float32Array.of(d), [1]),
      reps: new ort.Tensor('int64', BigInt64Array.of(1n, BigInt(reps), 1n, 1n, 1n, 1n), [6]),
    };
    if (this.x.cond) feeds.cond = this.up.tensor('cond', () => this.x.cond!);
    return runOne(this.x.cond ? this.d.steps.window_input : this.d.steps.window_input_nocond, feeds, 'sample', 'window input');
  }

  private unet(sample: OrtTensor, i: number, group: number[], from: number, count: number): Promise<OrtTensor> {
    const { ort } = this.d;
    const k = group.length;
    const T = this.nv + this.x.windows[group[0]].length;
    const key = `${from}|${count}|${k}`;
    const frameIndex = this.x.frameIndex(T);
    const feeds: Feeds = {
      sample,
      timestep: new ort.Tensor('float32', Float32Array.of(this.x.timesteps[i]), [1]),
      encoder_hidden_states: this.up.tensor(`E|${key}`, () => tileHalves(this.x.E, from, count, k)),
      frame_index: new ort.Tensor('int64', BigInt64Array.from(frameIndex, (v) => BigInt(v)), [frameIndex.length]),
    };
    const what = this.d.what ?? 'UNet';
    const tiled = (name: string, t: TensorF32) => this.up.tensor(`${name}|${key}`, () => tileHalves(t, from, count, k));
    Object.assign(feeds, unetConditioningFeeds(ort, new Set(this.d.unet.inputNames), this.x.conditioning as UnetConditioning | undefined, tiled, what));
    return runOne(this.d.unet, feeds, 'noise_pred', what);
  }

  private accumulate(acc: OrtTensor, eps: OrtTensor, group: number[], from: number, count: number): Promise<OrtTensor> {
    const { ort } = this.d;
    const { C, N, h, w } = this.dims;
    const k = group.length;
    const T = this.nv + this.x.windows[group[0]].length;
    const windows = group.map((j) => this.x.windows[j]);
    const feeds: Feeds = {
      acc,
      eps,
      select: this.up.tensor(`S|${group.join(',')}`, () => ({ data: selectMatrix(windows, N, this.nv), shape: [k * T, N] })),
      split: new ort.Tensor('int64', BigInt64Array.of(BigInt(k), BigInt(count), BigInt(C), BigInt(T), BigInt(h * w)), [5]),
      half: this.up.tensor(`half|${from}|${count}`, () => {
        const m = new Float32Array(this.B);
        m.fill(1, from, from + count);
        return { data: m, shape: [this.B, 1, 1, 1] };
      }),
    };
    return runOne(this.d.steps.accumulate, feeds, 'acc_out', 'window averaging');
  }

  async read(): Promise<Float32Array> {
    if (this.lastRead?.of === this.L) return this.lastRead.data; // L unchanged since: no second read
    const t = this.L;
    const data = await readLatents(t, this.d.counters);
    // getData() leaves the tensor 'cpu' (its data cached), and a CPU tensor fed to the next step
    // would be uploaded again: wrap its device buffer, still alive, as a GPU tensor once more.
    if (t.location === 'cpu' && !this.up.owns(t) && this.d.device) {
      this.L = this.d.ort.Tensor.fromGpuBuffer(t.gpuBuffer, { dataType: 'float32', dims: t.dims, dispose: () => t.dispose() });
    }
    this.lastRead = { of: this.L, data };
    return data;
  }

  dispose(): void {
    if (!this.up.owns(this.L)) this.L.dispose();
    this.up.dispose();
  }
}

export function residentDenoiser(deps: ResidentDeps): ResidentDenoiser {
  return { start: async (input) => new Shot(deps, input) };
}
