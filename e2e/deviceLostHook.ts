/**
 * Test-only hook (installed by e2e/harness.ts): a GPU device lost in the middle of a run, on real
 * WebGPU (SwiftShader in CI), through the generator service the worker runs.
 *
 *   window.__deviceLost.run(request) -> DeviceLostReport
 *
 * Service A loads the tiny demo pack on WebGPU and generates; when the first step is done, its
 * device is destroyed (what a driver reset or the browser reclaiming the GPU does to the page). The
 * run must fail with 'device-lost' carrying a checkpoint. Service B, new, with a new device (what the
 * generator client does: a new worker), loads the pack and resumes from the checkpoint. Service C
 * runs the whole request on wasm, as the reference. The generator client's restart itself is
 * covered by src/clients/clients.test.ts; resuming = the uninterrupted run exactly by
 * src/pipeline/generateVideo.resume.test.ts.
 */
import * as ort from 'onnxruntime-web/webgpu';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import type { AppError } from '../src/rpc/errors';
import type { GenerateRequest, GeneratorApi } from '../src/rpc/generatorApi';
import type { ProgressEvent } from '../src/rpc/progress';
import { createGeneratorService } from '../src/runtime/generatorService';
import { httpPackSource } from '../src/runtime/packSource';
import { fetchStepGraphs } from '../src/runtime/stepGraphs';
import { probeWebGpu } from '../src/runtime/webgpuDevice';

export interface DeviceLostReport {
  error: Pick<AppError, 'code' | 'message' | 'detail'> & { resumeShot?: number; resumeStep?: number };
  /** UNet steps run by service B (the rest of the run). */
  resumedSteps: number[];
  resumedBackend: string;
  frames: number;
  /** Largest difference of a frame byte, resumed WebGPU run vs the whole run on wasm. */
  maxByteDiff: number;
  logs: string[];
}

declare global {
  interface Window {
    __deviceLost?: { run(request: GenerateRequest): Promise<DeviceLostReport> };
  }
}

async function run(request: GenerateRequest): Promise<DeviceLostReport> {
  ort.env.wasm.wasmPaths = { wasm: ortWasmUrl };
  ort.env.wasm.numThreads = 1;
  const t0 = performance.now();
  const trace = (what: string) => console.log(`[device-lost] ${((performance.now() - t0) / 1000).toFixed(1)} s ${what}`);
  const devices: GPUDevice[] = [];
  const service = (): GeneratorApi =>
    createGeneratorService({
      ort,
      sourceFor: (url) => httpPackSource(new URL('.', url).href),
      stepGraphs: fetchStepGraphs(location.origin),
      probeWebGpu: async () => {
        const p = await probeWebGpu();
        if (p.device) devices.push(p.device);
        return p;
      },
    });
  const manifest = new URL('/packs/tiny-musev/manifest.json', location.href).href;
  const logs: string[] = [];
  const log = (e: ProgressEvent) => {
    if (e.type === 'log') logs.push(e.message);
    if (e.type === 'step') trace(`step ${e.step}`);
  };

  const a = service();
  await a.loadPack(manifest, { backend: 'webgpu' }, log);
  trace('A: pack loaded on WebGPU');
  let error: AppError | undefined;
  try {
    await a.generate(request, (e) => {
      log(e);
      if (e.type === 'step' && e.step === 0 && !e.firstFrame) {
        trace('A: destroying the device');
        devices[0].destroy();
      }
    });
  } catch (e) {
    error = e as AppError;
  }
  trace(`A: ${error?.code ?? 'no error'}`);
  if (!error) throw new Error('the run on a destroyed device did not fail');

  const b = service();
  const loaded = await b.loadPack(manifest, { backend: 'webgpu' }, log);
  const resumedSteps: number[] = [];
  const resumed = await b.generate({ ...request, resume: error.resume }, (e) => {
    log(e);
    if (e.type === 'step') resumedSteps.push(e.step);
  });
  trace('B: resumed run done');

  const c = service();
  await c.loadPack(manifest, { backend: 'wasm' }, () => {});
  const reference = await c.generate(request, () => {});
  trace('C: wasm run done');
  let maxByteDiff = resumed.frames.length === reference.frames.length ? 0 : Infinity;
  resumed.frames.forEach((f, k) => f.forEach((v, i) => (maxByteDiff = Math.max(maxByteDiff, Math.abs(v - reference.frames[k][i])))));
  await Promise.all([b.dispose(), c.dispose(), a.dispose().catch(() => undefined)]);
  return {
    error: { code: error.code, message: error.message, detail: error.detail, resumeShot: error.resume?.shot, resumeStep: error.resume?.step },
    resumedSteps,
    resumedBackend: loaded.backend.backend,
    frames: resumed.frames.length,
    maxByteDiff,
    logs,
  };
}

export function installDeviceLostHooks(): void {
  window.__deviceLost = { run };
}
