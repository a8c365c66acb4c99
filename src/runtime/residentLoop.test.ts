/**
 * The resident loop (residentLoop.ts) on the bundled tiny pack in Node, on onnxruntime-web's wasm
 * EP (the browser's WebGPU run of the same code is e2e/webgpu.spec.ts): final latents equal the CPU
 * loop's, for one and two windows per UNet call, CFG halves together and apart, the first frame
 * (no condition, spatial UNet) and an out-of-memory failure in the middle of a step.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateVideo } from '../pipeline/generateVideo';
import type { Networks } from '../pipeline/networks';
import type { GenerateRequest } from '../rpc/generatorApi';
import { loadPack, type LoadedPack } from './loadPack';
import type { OrtSession } from './ortTypes';
import type { PackSource } from './packSource';
import { residentDenoiser } from './residentLoop';
import { createStepSessions, type StepGraphName, type StepSessions } from './stepGraphs';

const packDir = fileURLToPath(new URL('../../public/packs/tiny-musev/', import.meta.url));
const graphDir = fileURLToPath(new URL('../../public/graphs/', import.meta.url));
const source: PackSource = { label: packDir, readBytes: async (p) => new Uint8Array(await readFile(packDir + p)) };
ort.env.wasm.numThreads = 1;

function request(extra: Partial<GenerateRequest> = {}): GenerateRequest {
  const W = 64, H = 64;
  const rgba = new Uint8ClampedArray(W * H * 4);
  for (let p = 0; p < W * H; p++) rgba.set([(p * 7) % 256, (p >> 6) * 4, 128, 255], p * 4);
  return {
    image: { width: W, height: H, rgba }, prompt: 'a girl smiling', negativePrompt: 'worst quality', width: W, height: H,
    frames: 6, contextFrames: 4, contextOverlap: 2, steps: 2, guidanceScale: 3.5, seed: 5, fps: 8, motionSpeed: 8, wIndNoise: 0.5, imgWeight: 0.001,
    ...extra,
  };
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, k) => Math.max(m, Math.abs(v - b[k])), 0);

let pack: LoadedPack;
let steps: StepSessions;
beforeAll(async () => {
  pack = await loadPack(ort, source, { backend: 'wasm' }, () => {});
  steps = await createStepSessions(ort, async (n: StepGraphName) => new Uint8Array(await readFile(`${graphDir}${n}.onnx`)), { backend: 'wasm' }, pack.counters);
}, 120_000);
afterAll(async () => {
  await pack?.release();
  await Promise.all(Object.values(steps ?? {}).map((s) => s.release()));
});

/** The pack's networks with the resident loop on `unet` (and `spatial`) sessions. */
function residentNets(unet: OrtSession = pack.sessions.unet): Networks {
  const deps = { ort, steps, counters: pack.counters };
  const n = pack.networks;
  return {
    ...n,
    unet: { predict: n.unet.predict.bind(n.unet), resident: residentDenoiser({ ...deps, unet }) },
    unetSpatial: n.unetSpatial && { predict: n.unetSpatial.predict.bind(n.unetSpatial), resident: residentDenoiser({ ...deps, unet: pack.sessions.unet_spatial!, what: 'spatial UNet' }) },
  };
}

const generate = (nets: Networks, r: GenerateRequest, onLog?: (m: string) => void) =>
  generateVideo(nets, pack.tokenizer, pack.pipelineConfig, r, (e) => e.type === 'log' && onLog?.(e.message), undefined, r.unetPlan ? () => ({ plan: r.unetPlan!, summary: '' }) : undefined);

describe('GPU-resident loop vs the CPU loop (tiny pack, wasm EP)', () => {
  const cases: [string, Partial<GenerateRequest>][] = [
    ['one window per call, halves together', {}],
    ['two windows per call, halves apart', { unetPlan: { windowsPerCall: 2, cfgTogether: false } }],
    ['first frame generated (no condition, spatial UNet), no CFG for the video', { image: undefined, firstFrame: 'generate', firstFrameSteps: 2, guidanceScale: 1 }],
  ];
  for (const [label, extra] of cases) {
    it(label, async () => {
      const r = request(extra);
      const cpu = await generate(pack.networks, r);
      const stepRuns = pack.counters.stepGraphRunMs;
      const gpu = await generate(residentNets(), r);
      expect(pack.counters.stepGraphRunMs, 'the step graphs ran').toBeGreaterThan(stepRuns);
      const diff = maxAbsDiff(gpu.latents.data, cpu.latents.data);
      console.log(`resident vs CPU loop (${label}): max |diff| ${diff.toExponential(2)} over ${cpu.latents.data.length} values`);
      expect(gpu.latents.shape).toEqual(cpu.latents.shape);
      expect(diff).toBeLessThanOrEqual(1e-5);
    }, 240_000);
  }

  it('an out-of-memory failure inside step 1 retries that step from the latents of step 0', async () => {
    const r = request();
    const cpu = await generate(pack.networks, r);
    let runs = 0;
    const real = pack.sessions.unet;
    const flaky = new Proxy(real, {
      get(t, p) {
        if (p === 'run') return (...a: Parameters<OrtSession['run']>) => (++runs === 3 ? Promise.reject(new Error('Failed to allocate a buffer of size 1 GB')) : t.run(...a));
        const v = Reflect.get(t, p, t) as unknown;
        return typeof v === 'function' ? (v as () => unknown).bind(t) : v;
      },
    });
    const logs: string[] = [];
    const gpu = await generate(residentNets(flaky), r, (m) => logs.push(m));
    expect(runs).toBeGreaterThan(3);
    expect(logs.some((m) => /out of memory at step 2/.test(m))).toBe(true);
    expect(maxAbsDiff(gpu.latents.data, cpu.latents.data)).toBeLessThanOrEqual(1e-5);
  }, 240_000);
});

describe('GPU-resident loop with IP-Adapter, ReferenceNet and FaceID inputs (tiny referencenet pack, wasm EP)', () => {
  it('equals the CPU loop (conditioning tiled per call shape and uploaded once per shot)', async () => {
    const dir = fileURLToPath(new URL('../../public/packs/tiny-musev-referencenet/', import.meta.url));
    const src: PackSource = { label: dir, readBytes: async (p) => new Uint8Array(await readFile(dir + p)) };
    const ref = await loadPack(ort, src, { backend: 'wasm' }, () => {});
    try {
      const nets: Networks = { ...ref.networks, unet: { predict: ref.networks.unet.predict.bind(ref.networks.unet), resident: residentDenoiser({ ort, steps, counters: ref.counters, unet: ref.sessions.unet }) } };
      const r = request({ unetPlan: { windowsPerCall: 2, cfgTogether: true } });
      const run = (n: Networks) => generateVideo(n, ref.tokenizer, ref.pipelineConfig, r, () => {}, undefined, () => ({ plan: r.unetPlan!, summary: '' }));
      const cpu = await run(ref.networks);
      const stepRuns = pack.counters.stepGraphRunMs; // the step sessions count into the first pack's counters
      const gpu = await run(nets);
      expect(pack.counters.stepGraphRunMs, 'the step graphs ran').toBeGreaterThan(stepRuns);
      const diff = maxAbsDiff(gpu.latents.data, cpu.latents.data);
      console.log(`resident vs CPU loop (referencenet pack, 2 windows per call): max |diff| ${diff.toExponential(2)}`);
      expect(diff).toBeLessThanOrEqual(1e-5);
    } finally {
      await ref.release();
    }
  }, 240_000);
});
