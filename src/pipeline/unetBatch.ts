/**
 * Several context windows in one UNet call, and the CFG halves together or apart (the memory
 * plan's choice, src/core/memoryPlan.ts). MuseV runs one window per call (context_batch_size > 1
 * crashes there, spec §1.8); the UNet itself treats every batch item independently — each item
 * carries its own condition frame at t = 0 and its own context — so stacking windows along the
 * batch gives the same numbers as calling once per window.
 *
 * Notation: B halves per window (2 with CFG: [uncond, cond]), k windows of T frames in the call.
 *   together: sample (B·k, 4, T, h, w) = [w1 halves; w2 halves; …], context and every conditioning
 *             tensor tiled k times (their batch is B, in the same half order);
 *   apart:    for each half j, sample (k, 4, T, h, w) = half j of every window, context and
 *             conditioning = their half j tiled k times; the outputs are put back as [u; c].
 */
import { concatBatch, sliceBatch, tileHalves } from '../core/batch';
import type { DenoiserNet, TensorF32, UnetConditioning } from './networks';

export interface UnetCallShape {
  /** Halves per window (2 with CFG). */
  B: number;
  /** Run the B halves in one call (true) or one call per half. */
  cfgTogether: boolean;
}

const isTensor = (v: unknown): v is TensorF32 =>
  typeof v === 'object' && v !== null && (v as TensorF32).data instanceof Float32Array && Array.isArray((v as TensorF32).shape);

/** Applies `f` to every tensor in the conditioning (nested records too); scalars stay. */
function mapTensors<T>(value: T, f: (t: TensorF32) => TensorF32): T {
  if (isTensor(value)) return f(value) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapTensors(v, f)])) as T;
  }
  return value;
}

/**
 * noise_pred for each window of the group: `samples[w]` is window w's UNet input (B, 4, T, h, w),
 * all windows of the same T. Returns one (B, 4, T, h, w) array per window.
 */
export async function predictWindows(
  unet: DenoiserNet,
  samples: Float32Array[],
  sampleShape: number[],
  timestep: number,
  context: TensorF32,
  frameIndex: number[],
  conditioning: UnetConditioning | undefined,
  call: UnetCallShape,
): Promise<Float32Array[]> {
  const k = samples.length;
  const { B } = call;
  const item = sampleShape.slice(1);
  const runHalves = async (from: number, count: number): Promise<Float32Array[]> => {
    const parts = samples.map((s) => (count === B ? s : sliceBatch(s, sampleShape, from, count)));
    const eps = await unet.predict(
      { data: concatBatch(parts), shape: [count * k, ...item] },
      timestep,
      tileHalves(context, from, count, k),
      frameIndex,
      conditioning && mapTensors(conditioning, (t) => tileHalves(t, from, count, k)),
    );
    return samples.map((_, w) => sliceBatch(eps.data, eps.shape, w * count, count));
  };
  if (B === 1 || call.cfgTogether) return runHalves(0, B);
  const perHalf: Float32Array[][] = [];
  for (let j = 0; j < B; j++) perHalf.push(await runHalves(j, 1));
  return samples.map((_, w) => concatBatch(perHalf.map((h) => h[w])));
}
