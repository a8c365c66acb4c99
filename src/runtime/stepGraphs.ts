/**
 * The pack-independent step graphs of the GPU-resident loop (models/musev_export/step_graphs.py
 * writes them to public/graphs/, served with the app): one session each, created once per pack
 * load on the pack's WebGPU device, outputs kept on the GPU. Each file is checked against the
 * sha256 below (the Python test regenerates the graphs and checks these hashes too).
 */
import { appError } from '../rpc/errors';
import { sha256Hex } from './packSource';
import type { Ort, OrtSession } from './ortTypes';
import { countedSession, type RunCounters } from './runCounters';

export const STEP_GRAPHS = {
  window_input: '180c290ec976a8beafdae29f512918f3d0bad214bd7f66c1e3992644d1a11ab1',
  window_input_nocond: '9a72dc30be042f8f4c244eea0f7ba4b4d56382e5f778bc90d5c220a00565eec8',
  accumulate: 'fb264a45e07cc424376de22776bc8d0c8bf99c7478c3143f16002f4e6cee2739',
  euler_cfg: 'f3aec8f1050717ef5ffe6ae21da40852b5bac651eb6ef544576eba959ec043e2',
} as const;

export type StepGraphName = keyof typeof STEP_GRAPHS;
export type StepSessions = Record<StepGraphName, OrtSession>;

/** The bytes of `<name>.onnx` (the worker fetches `graphs/<name>.onnx`; Node tests read public/graphs). */
export type StepGraphBytes = (name: StepGraphName) => Promise<Uint8Array>;

/** The step graphs served with the app under `<base>graphs/<name>.onnx` (public/graphs). */
export function fetchStepGraphs(base: string): StepGraphBytes {
  return async (name) => {
    const url = new URL(`graphs/${name}.onnx`, base);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status} for ${url.pathname}`);
    return new Uint8Array(await res.arrayBuffer());
  };
}

export interface StepSessionTarget {
  /** 'wasm' only in tests: the app uses the resident loop on WebGPU. */
  backend: 'webgpu' | 'wasm';
  device?: GPUDevice;
}

async function verifiedGraph(bytesFor: StepGraphBytes, name: StepGraphName): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await bytesFor(name);
  } catch (e) {
    throw appError('model-load-failed', `The app file graphs/${name}.onnx could not be read. Reload the page.`, String(e));
  }
  const hash = await sha256Hex(bytes);
  if (hash !== STEP_GRAPHS[name]) {
    throw appError('model-load-failed', `The app file graphs/${name}.onnx is damaged (sha256 ${hash.slice(0, 12)}…). Reload the page.`);
  }
  return bytes;
}

export async function createStepSessions(ort: Ort, bytesFor: StepGraphBytes, target: StepSessionTarget, counters: RunCounters): Promise<StepSessions> {
  const executionProviders =
    target.backend === 'webgpu' ? [target.device ? { name: 'webgpu' as const, device: target.device } : ('webgpu' as const)] : ['wasm' as const];
  const options = { executionProviders, graphOptimizationLevel: 'all' as const, preferredOutputLocation: target.backend === 'webgpu' ? ('gpu-buffer' as const) : undefined };
  const out: Partial<StepSessions> = {};
  try {
    for (const name of Object.keys(STEP_GRAPHS) as StepGraphName[]) {
      const model = await verifiedGraph(bytesFor, name);
      const create = async () => {
        counters.sessionsCreated++;
        return ort.InferenceSession.create(model, options);
      };
      out[name] = countedSession(await create(), { counters, gpu: target.backend === 'webgpu', kind: 'step', recreate: create });
    }
  } catch (e) {
    await Promise.all(Object.values(out).map((s) => s.release()));
    throw e;
  }
  return out as StepSessions;
}
