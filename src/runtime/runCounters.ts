/**
 * Counters a benchmark reads from a generate result (GenerateResult.timings.counters): what crossed
 * from the GPU to the CPU, and the time spent inside onnxruntime's `run` for the UNet.
 *
 * Sessions are wrapped once per pack by `countedSession`, a Proxy that forwards everything to the
 * current onnxruntime session and
 *   - times `run` (UNet sessions: unetRunMs, unetRuns);
 *   - counts output bytes that reach the CPU from a WebGPU session (bytesReadBack): outputs ORT
 *     returned on the CPU, and 'gpu-buffer' outputs when someone calls getData();
 *   - times those getData() calls (readBackMs) as wall time with at least one read-back pending: the
 *     union of the waits, not their sum (several getData() may be awaited at once, e.g. with
 *     Promise.all, and summing them could exceed the run's wall time). Worked example: waits
 *     [0, 30] and [10, 50] ms and later [100, 120] → 50 + 20 = 70 ms (a sum would say 90);
 *   - after a failed run of a session that returns 'gpu-buffer' outputs, creates the session anew
 *     before its next run (onnxruntime-web 1.30: such a session repeats the error for good; see
 *     web-platform-notes "GPU-resident loop"), so the out-of-memory retry can run the step again.
 */
import type { RunCounters } from '../rpc/runCounters';
import type { OrtSession, OrtTensor } from './ortTypes';

export type { RunCounters };

export function newRunCounters(): RunCounters {
  return { bytesReadBack: 0, unetBytesReadBack: 0, latentBytesReadBack: 0, readBackMs: 0, stepBytesReadBack: [], unetRunMs: 0, unetRuns: 0, stepGraphRunMs: 0, sessionsCreated: 0, sessionsRecreated: 0 };
}

/** The counters a generate result reports: a copy with the per-run fields relative to `start`. */
export function countersSince(now: RunCounters, start: RunCounters): RunCounters {
  return {
    bytesReadBack: now.bytesReadBack - start.bytesReadBack,
    unetBytesReadBack: now.unetBytesReadBack - start.unetBytesReadBack,
    latentBytesReadBack: now.latentBytesReadBack - start.latentBytesReadBack,
    readBackMs: now.readBackMs - start.readBackMs,
    stepBytesReadBack: now.stepBytesReadBack.slice(start.stepBytesReadBack.length),
    unetRunMs: now.unetRunMs - start.unetRunMs,
    unetRuns: now.unetRuns - start.unetRuns,
    stepGraphRunMs: now.stepGraphRunMs - start.stepGraphRunMs,
    sessionsCreated: now.sessionsCreated - start.sessionsCreated,
    sessionsRecreated: now.sessionsRecreated - start.sessionsRecreated,
  };
}

export const snapshotCounters = (c: RunCounters): RunCounters => ({ ...c, stepBytesReadBack: c.stepBytesReadBack.slice() });

const BYTES: Record<string, number> = { float32: 4, float16: 2, int64: 8, int32: 4, uint8: 1, int8: 1, bool: 1 };

export const tensorBytes = (t: OrtTensor) => t.size * (BYTES[t.type] ?? 4);

/** getData() of the latents at the end of a resident shot, counting the bytes when they are on the GPU. */
export async function readLatents(t: OrtTensor, counters: RunCounters): Promise<Float32Array> {
  if (t.location === 'cpu') return t.data as Float32Array;
  counters.bytesReadBack += tensorBytes(t);
  counters.latentBytesReadBack += tensorBytes(t);
  return (await timedReadBack(counters, () => t.getData())) as Float32Array;
}

/** Read-backs in flight per counters object, and when that number last went from 0 to 1. */
const pending = new WeakMap<RunCounters, { inFlight: number; since: number }>();

/**
 * Awaits `read` (a getData() from the GPU) and adds to readBackMs the wall time during which at least
 * one read-back of `counters` was pending: an interval opens when the number in flight goes from 0
 * to 1 and is added when it goes back to 0 (also after a failed read). An interval still open when a
 * snapshot is taken counts towards the run in which it closes.
 */
export async function timedReadBack<T>(counters: RunCounters, read: () => Promise<T>): Promise<T> {
  let p = pending.get(counters);
  if (!p) pending.set(counters, (p = { inFlight: 0, since: 0 }));
  if (p.inFlight++ === 0) p.since = performance.now();
  try {
    return await read();
  } finally {
    if (--p.inFlight === 0) counters.readBackMs += performance.now() - p.since;
  }
}

export interface CountedOptions {
  counters: RunCounters;
  /** The session runs on WebGPU (its CPU outputs were read back). */
  gpu: boolean;
  kind: 'unet' | 'step' | 'other';
  /** Makes the session anew; given for sessions with 'gpu-buffer' outputs. */
  recreate?: () => Promise<OrtSession>;
}

export function countedSession(first: OrtSession, o: CountedOptions): OrtSession {
  let current = first;
  let broken = false;
  const c = o.counters;
  const count = (t: OrtTensor) => {
    c.bytesReadBack += tensorBytes(t);
    if (o.kind === 'unet') c.unetBytesReadBack += tensorBytes(t);
  };
  const countOutputs = (results: Record<string, OrtTensor>) => {
    if (!o.gpu) return;
    for (const t of Object.values(results)) {
      if (t.location === 'cpu') {
        count(t);
      } else if (t.location === 'gpu-buffer') {
        const getData = t.getData.bind(t);
        const timed = async (release?: boolean) => {
          count(t);
          return timedReadBack(c, () => getData(release));
        };
        Object.defineProperty(t, 'getData', { value: timed });
      }
    }
  };
  const run = async (...args: Parameters<OrtSession['run']>) => {
    if (broken && o.recreate) {
      await current.release().catch(() => undefined);
      current = await o.recreate();
      broken = false;
      c.sessionsRecreated++;
    }
    const t0 = performance.now();
    try {
      const results = await current.run(...args);
      countOutputs(results);
      return results;
    } catch (e) {
      broken = true;
      throw e;
    } finally {
      const ms = performance.now() - t0;
      if (o.kind === 'unet') (c.unetRunMs += ms), c.unetRuns++;
      if (o.kind === 'step') c.stepGraphRunMs += ms;
    }
  };
  return new Proxy(first, {
    get(_, p) {
      if (p === 'run') return run;
      if (p === 'release') return () => current.release();
      const v = Reflect.get(current, p, current) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(current) : v;
    },
  });
}
