/**
 * The worker's memory planner: src/core/memoryPlan.ts fed with the pack (graph sizes, dtype, UNet
 * layout) and the backend (the adapter's limits on WebGPU; wasm32's 4 GiB address space on wasm).
 * The plan and its estimate are logged with every run (generateVideo's 'Memory plan' log event).
 */
import { defaultBudgetBytes, describeUnetPlan, planMemory, type PlanInput, type UnetFacts, type VaeFacts } from '../core/memoryPlan';
import type { PackManifest } from '../packs/manifest';
import { estimateGpuMemory } from '../packs/packInfo';
import type { UnetCallFacts, UnetPlanner } from '../pipeline/generateVideo';
import type { BackendInfo } from '../rpc/generatorApi';
import { formatBinaryBytes } from '../rpc/gpuCapabilities';

const GiB = 2 ** 30;
/** SD1.5's layout, for packs whose manifest does not state its own. */
export const SD15_UNET: UnetFacts = { blockOutChannels: [320, 640, 1280, 1280], heads: [8, 8, 8, 8] };
export const SD_VAE: VaeFacts = { decoderChannels: [512, 512, 256, 128] };
/** wasm32: one linear memory of at most 4 GiB holds weights and activations. */
const WASM_LIMITS = { maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: 2 * GiB };

export function unetPlannerFor(manifest: PackManifest, backend: BackendInfo, budgetBytes?: number): UnetPlanner {
  const onGpu = backend.backend === 'webgpu' && backend.gpu !== undefined;
  const limits = onGpu ? backend.gpu!.limits : WASM_LIMITS;
  const budget = budgetBytes ?? defaultBudgetBytes(onGpu ? backend.gpu!.limits.maxStorageBufferBindingSize : undefined);
  const base: Omit<PlanInput, keyof UnetCallFacts> = {
    unet: manifest.unet.layout ?? SD15_UNET,
    vae: manifest.vae.decoderChannels ? { decoderChannels: manifest.vae.decoderChannels } : SD_VAE,
    activationBytes: manifest.dtype === 'float16' ? 2 : 4,
    residentWeightBytes: estimateGpuMemory(manifest).weightsBytes,
    queryChunks: manifest.unet.attentionQueryChunks,
    limits,
    budgetBytes: budget,
  };
  return (facts) => {
    const p = planMemory({ ...base, ...facts });
    const summary =
      `${describeUnetPlan(p, p.calls.length)}; estimated peak ${formatBinaryBytes(p.peak)} of a ${formatBinaryBytes(budget)} budget, ` +
      `largest tensor ${formatBinaryBytes(p.largestTensor)} (limit ${formatBinaryBytes(Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize))}` +
      (p.queryChunks > 1 ? `; attention in ${p.queryChunks} query chunks` : '') +
      ') ' +
      `on ${onGpu ? 'WebGPU' : 'wasm'}` +
      (p.fits ? '' : `. ${p.advice}`);
    return {
      plan: { windowsPerCall: p.windowsPerCall, cfgTogether: p.cfgTogether },
      summary,
      estimate: { peakBytes: p.peak, largestTensorBytes: p.largestTensor, budgetBytes: budget },
      vaeFramesPerCall: p.vaeFramesPerCall,
    };
  };
}
