/**
 * Test-only hook (installed by e2e/harness.ts): the GPU-resident denoising loop on real WebGPU
 * (SwiftShader in CI) against the CPU loop on the same device and the same sessions.
 *
 *   window.__residentLoop.compare(request) -> ResidentLoopReport
 *
 * Loads the tiny demo pack with the app's loadPack on our own device (probeWebGpu) and the step
 * graphs from /graphs/, then runs the pipeline's denoise() twice on the one loaded pack and the same
 * seeded L, E and C (no text encoder or VAE: SwiftShader is slow): resident loop, then CPU loop (the
 * UNet without `resident`). Reports the max |diff| of the final latents, the run counters of each
 * run (runCounters.ts) and the sessions made at load and during the two runs.
 */
import * as ort from 'onnxruntime-web/webgpu';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import { EulerDiscreteScheduler } from '../src/core/eulerDiscrete';
import { Mt19937 } from '../src/core/mt19937';
import { planWindows } from '../src/core/planWindows';
import { denoise } from '../src/pipeline/denoise';
import type { DenoiserNet } from '../src/pipeline/networks';
import type { RunCounters } from '../src/rpc/runCounters';
import { loadPack } from '../src/runtime/loadPack';
import { httpPackSource } from '../src/runtime/packSource';
import { countersSince, snapshotCounters } from '../src/runtime/runCounters';
import { fetchStepGraphs } from '../src/runtime/stepGraphs';
import { probeWebGpu } from '../src/runtime/webgpuDevice';

export interface ResidentLoopReport {
  backend: string;
  adapter?: string;
  residentAvailable: boolean;
  latentValues: number;
  maxAbsDiff: number;
  resident: RunCounters & { ms: number };
  cpu: RunCounters & { ms: number };
  /**
   * The resident loop with a checkpoint after every step (what the generator does on WebGPU, for a
   * lost device): L read back each step and kept on the device for the next one.
   */
  checkpointed: RunCounters & { ms: number; maxAbsDiff: number; checkpoints: number; lastCheckpointIsResult: boolean };
  sessionsAtLoad: number;
  sessionsDuringRuns: number;
  logs: string[];
}

export interface ResidentLoopHooks {
  compare(c: LoopCase): Promise<ResidentLoopReport>;
}

declare global {
  interface Window {
    __residentLoop?: ResidentLoopHooks;
  }
}

/** The denoising loop of one shot, as generateVideo runs it, on inputs drawn from a fixed seed. */
export interface LoopCase {
  frames: number;
  contextFrames: number;
  contextOverlap: number;
  steps: number;
  guidanceScale: number;
}

const seeded = (n: number, seed: number, scale: number) => {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * 2 * scale);
};

async function compare(c: LoopCase): Promise<ResidentLoopReport> {
  ort.env.wasm.wasmPaths = { wasm: ortWasmUrl };
  ort.env.wasm.numThreads = 1;
  const probe = await probeWebGpu();
  if (probe.info.backend !== 'webgpu' || !probe.device) throw new Error(`no WebGPU device: ${probe.info.reason ?? ''}`);
  const logs: string[] = [];
  const t0 = performance.now();
  const trace = (what: string) => console.log(`[resident] ${((performance.now() - t0) / 1000).toFixed(1)} s ${what}`);
  const stepGraphs = fetchStepGraphs(location.origin);
  const source = httpPackSource(new URL('/packs/tiny-musev/', location.href).href);
  const pack = await loadPack(ort, source, { backend: 'webgpu', device: probe.device }, (e) => e.type === 'log' && logs.push(e.message), undefined, { stepGraphs });
  trace('pack loaded');
  try {
    const sessionsAtLoad = pack.counters.sessionsCreated;
    const h = 8, w = 8, B = c.guidanceScale > 1 ? 2 : 1;
    const shape = [1, 4, c.frames, h, w];
    const scheduler = new EulerDiscreteScheduler(pack.pipelineConfig.scheduler);
    scheduler.setTimesteps(c.steps);
    const latents = seeded(4 * c.frames * h * w, 11, scheduler.initNoiseSigma);
    const E = { data: seeded(B * 77 * 32, 12, 1), shape: [B, 77, 32] };
    const cond = { data: seeded(4 * h * w, 13, 1), shape: [1, 4, 1, h, w] };
    const windows = planWindows({ frames: c.frames, contextFrames: c.contextFrames, overlap: c.contextOverlap, schedule: 'uniform_v2' });
    const checkpoints: Float32Array[] = [];
    const run = async (label: string, unet: DenoiserNet, onCheckpoint?: (step: number, L: Float32Array) => void) => {
      const before = snapshotCounters(pack.counters);
      const t1 = performance.now();
      const out = await denoise({
        unet, scheduler, latents, shape, E, cond, windows, doCfg: B === 2, guidance: new Array<number>(c.steps).fill(c.guidanceScale),
        frameIndex: (T) => Array.from({ length: T }, (_, j) => j), unetPlan: { windowsPerCall: 1, cfgTogether: true },
        stepNoise: { type: 'random', rng: new Mt19937(1) },
        onCheckpoint,
        onWindow: (i, k) => trace(`${label} step ${i} window ${k}`),
        onStep: (i) => trace(`${label} step ${i} submitted`),
      });
      trace(`${label} done`);
      return { latents: out, counters: { ...countersSince(pack.counters, before), ms: performance.now() - t1 } };
    };
    const u = pack.networks.unet;
    const a = await run('resident', u);
    const b = await run('cpu', { predict: u.predict.bind(u) });
    const c2 = await run('checkpointed', u, (_, L) => checkpoints.push(L.slice()));
    const diff = (x: Float32Array, y: Float32Array) => {
      let m = x.length === y.length ? 0 : Infinity;
      for (let k = 0; k < x.length; k++) m = Math.max(m, Math.abs(x[k] - y[k]));
      return m;
    };
    const maxAbsDiff = diff(a.latents, b.latents);
    return {
      backend: probe.info.backend,
      adapter: probe.info.gpu?.description || probe.info.gpu?.vendor,
      residentAvailable: Boolean(u.resident),
      latentValues: a.latents.length,
      maxAbsDiff,
      resident: a.counters,
      cpu: b.counters,
      checkpointed: {
        ...c2.counters, maxAbsDiff: diff(c2.latents, b.latents), checkpoints: checkpoints.length,
        lastCheckpointIsResult: checkpoints.length > 0 && diff(checkpoints[checkpoints.length - 1], c2.latents) === 0,
      },
      sessionsAtLoad,
      sessionsDuringRuns: pack.counters.sessionsCreated - sessionsAtLoad,
      logs,
    };
  } finally {
    await pack.release();
  }
}

export function installResidentLoopHooks(): void {
  window.__residentLoop = { compare };
}
