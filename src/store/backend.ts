import type { Backend, PackSummary } from '../rpc/generatorApi';
import { adapterCapabilities, type GpuCapabilities } from '../rpc/gpuCapabilities';
import type { PackDefaults } from '../packs/manifest';
import type { BackendChoice } from './settings';

/** What the main thread can tell before the worker loads the pack. */
export interface BackendProbe {
  backend: Backend;
  reason?: string;
  /** The adapter's limits and features, when there is an adapter. */
  gpu?: GpuCapabilities;
}

/**
 * Guess the backend the worker will pick (it decides for real when the pack loads): WebGPU when the
 * browser exposes an adapter, wasm otherwise, with the reason in words.
 */
export async function probeBackend(nav: Navigator | undefined = globalThis.navigator): Promise<BackendProbe> {
  if (typeof isSecureContext !== 'undefined' && !isSecureContext) {
    return { backend: 'wasm', reason: 'the page is not served over HTTPS or localhost, so WebGPU is off' };
  }
  const gpu = (nav as (Navigator & { gpu?: GPU }) | undefined)?.gpu;
  if (!gpu) return { backend: 'wasm', reason: 'this browser has no WebGPU' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { backend: 'wasm', reason: 'no WebGPU adapter (GPU blocklisted or disabled)' };
    return { backend: 'webgpu', gpu: adapterCapabilities(adapter) };
  } catch (e) {
    return { backend: 'wasm', reason: `WebGPU adapter request failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/**
 * The guess the badge shows before the worker answers, given the user's backend choice:
 * a 'wasm' choice means wasm whatever the browser offers; otherwise the probe's guess.
 */
export function expectedBackend(probe: BackendProbe | null, choice: BackendChoice): BackendProbe | null {
  if (choice === 'wasm') return { backend: 'wasm', reason: 'the wasm backend is chosen in the settings' };
  return probe;
}

const DEFAULT_KEYS: (keyof PackDefaults)[] = [
  'width', 'height', 'frames', 'contextFrames', 'contextOverlap', 'steps', 'guidanceScale', 'fps', 'motionSpeed',
];

/**
 * The summary the UI needs from a manifest (name, randomWeights, defaults), read on the main thread
 * so defaults are known before the worker loads anything. Full validation happens in the worker.
 */
export function summarizeManifest(json: unknown): PackSummary | null {
  if (typeof json !== 'object' || json === null) return null;
  const m = json as Record<string, unknown>;
  const d = m.defaults as Record<string, unknown> | undefined;
  if (typeof m.id !== 'string' || typeof d !== 'object' || d === null) return null;
  for (const k of DEFAULT_KEYS) if (typeof d[k] !== 'number' || !Number.isFinite(d[k])) return null;
  return {
    id: m.id,
    name: typeof m.name === 'string' ? m.name : m.id,
    family: typeof m.family === 'string' ? m.family : 'musev',
    randomWeights: m.randomWeights === true,
    defaults: { ...(d as unknown as PackDefaults), negativePrompt: typeof d.negativePrompt === 'string' ? d.negativePrompt : '' },
  };
}

/** Longest generation edge the pack is made for: max(defaults.width, defaults.height). */
export function packMaxEdge(defaults: Pick<PackDefaults, 'width' | 'height'>): number {
  return Math.max(defaults.width, defaults.height);
}
