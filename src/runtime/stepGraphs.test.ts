/**
 * The step graphs (public/graphs, models/musev_export/step_graphs.py) on onnxruntime-web's wasm EP
 * against the CPU functions of denoise.ts: window inputs = gatherFrames / scaleModelInput /
 * concatFrames / repeatBatch; accumulate + euler_cfg = scatterAddFrames / divideByCount / applyCfg /
 * EulerDiscreteScheduler.step. Windows from planWindows, including a 'uniform' plan whose windows
 * repeat frames and a 'uniform_v2' plan with a shorter tail window.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { concatBatch, sliceBatch } from '../core/batch';
import { EulerDiscreteScheduler } from '../core/eulerDiscrete';
import { applyCfg } from '../core/guidance';
import { concatFrames, divideByCount, gatherFrames, repeatBatch, scatterAddFrames } from '../core/latents';
import { groupWindows } from '../core/memoryPlan';
import { planWindows } from '../core/planWindows';
import { frameCounts, selectMatrix } from './residentLoop';
import { newRunCounters } from './runCounters';
import { createStepSessions, STEP_GRAPHS, type StepSessions } from './stepGraphs';
import { sha256Hex } from './packSource';

const graphDir = fileURLToPath(new URL('../../public/graphs/', import.meta.url));
const bytesFor = async (name: string) => new Uint8Array(await readFile(`${graphDir}${name}.onnx`));
ort.env.wasm.numThreads = 1;

let seed = 1;
const rand = (n: number) => Float32Array.from({ length: n }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 4 - 2);
const i64 = (v: number[], dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(v, BigInt), dims);
const f32 = (v: Float32Array, dims: number[]) => new ort.Tensor('float32', v, dims);
const one = (v: number) => f32(Float32Array.of(v), [1]);

/** max |a − b| / max |b|. */
function relDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0, m = 0;
  for (let k = 0; k < a.length; k++) (d = Math.max(d, Math.abs(a[k] - b[k]))), (m = Math.max(m, Math.abs(b[k])));
  return d / m;
}

async function run(s: ort.InferenceSession, feeds: Record<string, ort.Tensor>, out: string): Promise<Float32Array> {
  return (await s.run(feeds))[out].data as Float32Array;
}

let steps: StepSessions;
beforeAll(async () => {
  steps = await createStepSessions(ort, bytesFor, { backend: 'wasm' }, newRunCounters());
});

const C = 4, h = 3, w = 5;
const plans = {
  'uniform_v2 with a short tail': planWindows({ frames: 8, contextFrames: 4, overlap: 1, schedule: 'uniform_v2' }),
  // 'uniform' at a stride level c > 1 where F·c exceeds N revisits frames: [(j + i·c) mod N]
  'uniform with repeated frames': [...planWindows({ frames: 6, contextFrames: 4, overlap: 1, schedule: 'uniform' }), [0, 2, 4, 0], [5, 1, 3, 5]],
};

describe('step graphs vs the CPU loop (wasm EP)', () => {
  it('the committed graphs have the hashes the app checks', async () => {
    for (const [name, hash] of Object.entries(STEP_GRAPHS)) expect(await sha256Hex(await bytesFor(name))).toBe(hash);
    expect(plans['uniform with repeated frames'].some((c) => new Set(c).size < c.length)).toBe(true);
    expect(new Set(plans['uniform_v2 with a short tail'].map((c) => c.length)).size).toBeGreaterThan(1);
  });

  for (const [label, windows] of Object.entries(plans)) {
    const N = Math.max(...windows.flat()) + 1;
    const shape = [1, C, N, h, w];
    for (const withCond of [true, false]) {
      it(`window_input${withCond ? '' : '_nocond'} equals gather/scale/concat/repeat (${label})`, async () => {
        const L = rand(C * N * h * w);
        const cond = rand(C * h * w);
        const d = Math.fround(Math.sqrt(Math.fround(Math.fround(7.3 * 7.3) + 1)));
        for (const group of groupWindows(windows.map((c) => c.length), 2)) {
          const n = windows[group[0]].length;
          for (const B of [1, 2]) {
            const feeds: Record<string, ort.Tensor> = {
              latents: f32(L, shape), idx: i64(group.flatMap((k) => windows[k]), [group.length, n]), d: one(d), reps: i64([1, B, 1, 1, 1, 1], [6]),
            };
            if (withCond) feeds.cond = f32(cond, [1, C, 1, h, w]);
            const got = await run(withCond ? steps.window_input : steps.window_input_nocond, feeds, 'sample');
            const want = concatBatch(group.map((k) => {
              const x = repeatBatch(gatherFrames(L, shape, windows[k]).map((v) => v / d), [1, C, n, h, w], B);
              return withCond ? concatFrames(repeatBatch(cond, [1, C, 1, h, w], B), [B, C, 1, h, w], x, [B, C, n, h, w]) : x;
            }));
            expect(relDiff(got, want)).toBe(0);
          }
        }
      });
    }

    for (const plan of [{ k: 1, together: true }, { k: 2, together: true }, { k: 2, together: false }]) {
      it(`accumulate + euler_cfg equal scatter-add/count/CFG/Euler (${label}, ${plan.k} per call, halves ${plan.together ? 'together' : 'apart'})`, async () => {
        const B = 2, nv = 1, g = 3.5, i = 3;
        const sched = new EulerDiscreteScheduler({});
        sched.setTimesteps(10);
        const L = rand(C * N * h * w).map((v) => v * 5);
        const epsOf = windows.map((c) => rand(B * C * (nv + c.length) * h * w));
        // CPU: denoise.ts noisePrediction + applyCfg + scheduler.step
        const accShape = [B, C, N, h, w];
        const acc = new Float32Array(B * C * N * h * w);
        const count = new Float32Array(N);
        windows.forEach((c, k) => {
          const sampleShape = [B, C, nv + c.length, h, w];
          scatterAddFrames(acc, accShape, gatherFrames(epsOf[k], sampleShape, c.map((_, j) => j + nv)), c, count);
        });
        divideByCount(acc, accShape, count);
        const want = sched.step(applyCfg(acc, accShape, g), i, L);
        // graphs
        let accT = f32(new Float32Array(B * C * N * h * w), [B, C, N, h * w]);
        for (const group of groupWindows(windows.map((c) => c.length), plan.k)) {
          const T = nv + windows[group[0]].length;
          const S = f32(selectMatrix(group.map((k) => windows[k]), N, nv), [group.length * T, N]);
          const halves = plan.together ? [[0, 2]] : [[0, 1], [1, 1]];
          for (const [from, cnt] of halves) {
            const eps = concatBatch(group.map((k) => sliceBatch(epsOf[k], [B, C, T, h, w], from, cnt)));
            const half = new Float32Array(B).fill(1, from, from + cnt);
            const out = await run(steps.accumulate, {
              acc: accT, eps: f32(eps, [group.length * cnt, C, T, h, w]), select: S, split: i64([group.length, cnt, C, T, h * w], [5]), half: f32(half, [B, 1, 1, 1]),
            }, 'acc_out');
            accT = f32(out, [B, C, N, h * w]);
          }
        }
        const sigma = sched.sigmas[i];
        const got = await run(steps.euler_cfg, {
          acc: accT, count: f32(frameCounts(windows, N), [1, 1, N, 1]), latents: f32(L, shape), g: one(g), sigma: one(sigma), dt: one(Math.fround(sched.sigmas[i + 1] - sigma)),
        }, 'latents_out');
        expect(relDiff(got, want)).toBeLessThan(1e-6);
      });
    }
  }

  it('euler_cfg without CFG (B = 1) is the plain Euler step', async () => {
    const N = 3, shape = [1, C, N, h, w];
    const sched = new EulerDiscreteScheduler({});
    sched.setTimesteps(5);
    const L = rand(C * N * h * w), eps = rand(C * N * h * w);
    const got = await run(steps.euler_cfg, {
      acc: f32(eps, [1, C, N, h * w]), count: f32(new Float32Array(N).fill(1), [1, 1, N, 1]), latents: f32(L, shape), g: one(7.5), sigma: one(sched.sigmas[0]),
      dt: one(Math.fround(sched.sigmas[1] - sched.sigmas[0])),
    }, 'latents_out');
    expect(relDiff(got, sched.step(eps, 0, L))).toBe(0);
  });
});
