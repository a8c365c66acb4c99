/**
 * The GeneratorApi implementation. It runs in the generator worker (workers/generator.worker.ts
 * exposes it with comlink) and in-thread in tests. It owns the GPU device and every ONNX session.
 * Errors leave as plain AppError data (class identity does not survive postMessage).
 */
import { CancelledError, generateVideo } from '../pipeline/generateVideo';
import { requestProblems } from '../pipeline/validateRequest';
import { AppErrorException, appError, deviceLost, looksDeviceLost, toAppError } from '../rpc/errors';
import type { BackendInfo, GenerateRequest, GeneratorApi, LoadOptions, PackSummary, RunCheckpoint } from '../rpc/generatorApi';
import type { PackManifest } from '../packs/manifest';
import type { ProgressCallback } from '../rpc/progress';
import { checkBackendParity } from './backendParity';
import { loadPack, readManifest, type LoadedPack } from './loadPack';
import type { Ort } from './ortTypes';
import type { PackSource } from './packSource';
import type { WebGpuProbe } from './webgpuDevice';
import { unetPlannerFor } from './unetPlanner';
import { describeUnetPlan } from '../core/memoryPlan';
import { countersSince, snapshotCounters } from './runCounters';
import type { StepGraphBytes } from './stepGraphs';
import type { Networks } from '../pipeline/networks';

export interface GeneratorDeps {
  ort: Ort;
  sourceFor(manifestUrl: string): PackSource;
  /** The step graphs of the GPU-resident loop (public/graphs); without them WebGPU runs the CPU loop. */
  stepGraphs?: StepGraphBytes;
  /** Probes WebGPU once; absent in environments without it (Node tests). */
  probeWebGpu?(): Promise<WebGpuProbe>;
}

/** Rethrows anything as plain AppError data. */
async function asAppError<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toAppError(e);
  }
}

/** What the loaded pack cannot do for this request (first frame needs unet_spatial, spec §2.4). */
function packProblem(pack: LoadedPack, r: GenerateRequest): string | undefined {
  const mode = r.firstFrame ?? 'image';
  if (mode !== 'image' && !pack.networks.unetSpatial)
    return `The model pack "${pack.manifest.name}" cannot ${mode === 'generate' ? 'generate' : 'redraw'} the first frame: it has no spatial UNet (unet_spatial graph). Give a condition image with "use the image" as the first frame, or choose a pack that has it.`;
  if (mode === 'generate' && pack.pipelineConfig.unetConditioning && !r.referImage)
    return `The model pack "${pack.manifest.name}" needs a refer image to generate the first frame (its UNet always reads ReferenceNet features). Add a refer image, or give a condition image instead.`;
  return undefined;
}

/**
 * fp16 packs need the adapter feature `shader-f16` (without it onnxruntime's WebGPU EP refuses
 * the graphs): on such an adapter 'auto' falls back to wasm, an explicit 'webgpu' is an error.
 */
export function fitBackendToPack(
  chosen: { info: BackendInfo; device?: GPUDevice },
  manifest: PackManifest,
  requested: LoadOptions['backend'],
): { info: BackendInfo; device?: GPUDevice } {
  if (chosen.info.backend !== 'webgpu' || manifest.dtype !== 'float16' || chosen.info.shaderF16) return chosen;
  const why = `The model pack "${manifest.name}" is fp16 and this GPU has no shader-f16 support.`;
  if (requested === 'webgpu') throw appError('webgpu-unavailable', `${why} Choose the wasm backend, or an fp32 pack.`);
  return { info: { ...chosen.info, backend: 'wasm', reason: `${why} Running on wasm instead.` } };
}

/** The networks with the GPU-resident loop switched off (request.residentLoop === false). */
function withoutResident(nets: Networks, off: boolean): Networks {
  if (!off) return nets;
  const plain = (u: Networks['unet']) => ({ predict: u.predict.bind(u) });
  return { ...nets, unet: plain(nets.unet), unetSpatial: nets.unetSpatial && plain(nets.unetSpatial) };
}

export function createGeneratorService(deps: GeneratorDeps): GeneratorApi {
  let probe: Promise<WebGpuProbe> | undefined;
  // Set once the GPU device is lost: every session on it is dead; the client restarts the worker.
  let lost: string | undefined;
  const probeOnce = () =>
    (probe ??= deps.probeWebGpu!().then((p) => {
      void p.device?.lost.then((info) => (lost = `GPU device lost (${info.reason}): ${info.message}`));
      return p;
    }));
  let loaded: { key: string; pack: LoadedPack; backend: BackendInfo; source: PackSource } | undefined;

  async function chooseBackend(options: LoadOptions): Promise<{ info: BackendInfo; device?: GPUDevice }> {
    if (options.backend === 'wasm' || !deps.probeWebGpu) {
      return { info: { backend: 'wasm', reason: options.backend === 'wasm' ? 'The wasm backend was chosen in the settings.' : 'WebGPU is not available here.', shaderF16: false } };
    }
    const p = await probeOnce();
    if (options.backend === 'webgpu' && p.info.backend !== 'webgpu') {
      throw appError('webgpu-unavailable', `WebGPU was requested but cannot be used: ${p.info.reason ?? 'unknown reason'}. Choose the wasm backend instead.`);
    }
    return p;
  }

  return {
    loadPack(manifestUrl, options, onProgress) {
      return asAppError(async () => {
        onProgress({ type: 'stage', stage: 'load-pack' });
        const source = deps.sourceFor(manifestUrl);
        const manifest = await readManifest(source);
        const { info, device } = fitBackendToPack(await chooseBackend(options), manifest, options.backend);
        const key = `${manifestUrl}|${info.backend}`;
        if (loaded?.key !== key) {
          await loaded?.pack.release();
          loaded = undefined;
          const pack = await loadPack(deps.ort, source, { backend: info.backend, device }, onProgress, manifest, { stepGraphs: deps.stepGraphs });
          loaded = { key, pack, backend: info, source };
        }
        const m = loaded.pack.manifest;
        const summary: PackSummary = { id: m.id, name: m.name, family: m.family, randomWeights: m.randomWeights, defaults: m.defaults };
        return { pack: summary, backend: loaded.backend };
      });
    },

    generate(request: GenerateRequest, onProgress: ProgressCallback) {
      return asAppError(async () => {
        if (!loaded) throw appError('pack-missing', 'No model pack is loaded yet. Load a pack, then generate.');
        const { pack, backend } = loaded;
        const problems = requestProblems(request, { pixelMultiple: pack.manifest.vae.downscale * pack.manifest.unet.latentMultiple });
        if (problems.length) throw appError('bad-input', problems.join(' '));
        const incompatible = packProblem(pack, request);
        if (incompatible) throw appError('pack-incompatible', incompatible);
        if (lost) throw new AppErrorException(deviceLost(lost, request.resume));
        const t0 = performance.now();
        const before = snapshotCounters(pack.counters);
        let checkpoint: RunCheckpoint | undefined = request.resume;
        try {
          const planner = request.unetPlan
            ? () => ({ plan: request.unetPlan!, summary: `${describeUnetPlan(request.unetPlan!)} (fixed by the request)` })
            : unetPlannerFor(pack.manifest, backend, request.memoryBudgetBytes);
          const out = await generateVideo(
            withoutResident(pack.networks, request.residentLoop === false), pack.tokenizer, pack.pipelineConfig, request, onProgress, undefined, planner,
            // kept only on WebGPU, the one backend whose device can be lost
            backend.backend === 'webgpu' ? (c) => (checkpoint = c) : undefined,
          );
          return {
            frames: out.frames,
            frameCount: out.frames.length,
            width: out.width,
            height: out.height,
            backend: backend.backend,
            timings: { totalMs: performance.now() - t0, ...out.timings, counters: countersSince(pack.counters, before) },
            plan: out.plan,
          };
        } catch (e) {
          if (e instanceof CancelledError) throw appError('cancelled', 'Generation cancelled.');
          const err = toAppError(e);
          if (backend.backend === 'webgpu' && (lost || err.code === 'device-lost' || looksDeviceLost(err.detail ?? ''))) {
            throw new AppErrorException(deviceLost([lost, err.detail ?? err.message].filter(Boolean).join('; '), checkpoint));
          }
          throw e;
        }
      });
    },

    checkBackendParity() {
      return asAppError(async () => {
        if (!loaded) throw appError('pack-missing', 'Load a model pack first, then run the GPU check.');
        const p = deps.probeWebGpu ? await probeOnce() : undefined;
        if (!p || p.info.backend !== 'webgpu') {
          throw appError('webgpu-unavailable', `The GPU check needs WebGPU, which is not available here: ${p?.info.reason ?? 'no WebGPU in this environment'}.`);
        }
        return checkBackendParity(deps.ort, loaded.source, loaded.pack.manifest, p.device);
      });
    },

    async dispose() {
      await loaded?.pack.release();
      loaded = undefined;
    },
  };
}
