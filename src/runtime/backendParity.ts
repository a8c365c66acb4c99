/**
 * GPU self-check: one UNet call of the pack on WebGPU and on wasm with the same inputs, compared.
 * WebGPU drivers and onnxruntime kernels can be wrong on some adapters (web-platform-notes: the
 * flash-attention subgroup bug); this tells the user whether their GPU gives the CPU's numbers.
 */
import type { PackManifest } from '../packs/manifest';
import type { BackendParity } from '../rpc/generatorApi';
import { ortUnet } from './ortNetworks';
import type { Ort } from './ortTypes';
import type { PackSource } from './packSource';
import { createGraphSession } from './sessions';

/** Small deterministic inputs: batch 2 (CFG), 1 + 2 frames, 8x8 latent (64x64 pixels). */
function parityInputs(m: PackManifest) {
  const [B, C, T, h, w] = [2, m.vae.latentChannels, 3, m.unet.latentMultiple, m.unet.latentMultiple];
  const sample = Float32Array.from({ length: B * C * T * h * w }, (_, i) => Math.sin(i * 0.37) * 0.8);
  const D = m.unet.crossAttentionDim;
  const context = Float32Array.from({ length: B * 77 * D }, (_, i) => Math.cos(i * 0.11) * 0.5);
  return { sample: { data: sample, shape: [B, C, T, h, w] }, context: { data: context, shape: [B, 77, D] }, frameIndex: [0, 1, 2], timestep: 500 };
}

export async function checkBackendParity(ort: Ort, source: PackSource, manifest: PackManifest, device: GPUDevice | undefined): Promise<BackendParity> {
  const x = parityInputs(manifest);
  const results: Record<string, { data: Float32Array; ms: number }> = {};
  for (const backend of ['wasm', 'webgpu'] as const) {
    const session = await createGraphSession(ort, source, 'unet', manifest.graphs.unet, { backend, device });
    try {
      const unet = ortUnet(ort, session);
      await unet.predict(x.sample, x.timestep, x.context, x.frameIndex); // warm-up (shader compilation)
      const t0 = performance.now();
      const out = await unet.predict(x.sample, x.timestep, x.context, x.frameIndex);
      results[backend] = { data: out.data, ms: performance.now() - t0 };
    } finally {
      await session.release();
    }
  }
  let maxAbsDiff = 0;
  let maxAbs = 0;
  results.wasm.data.forEach((v, i) => {
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(v - results.webgpu.data[i]));
    maxAbs = Math.max(maxAbs, Math.abs(v));
  });
  return { maxAbsDiff, maxAbs, wasmMs: results.wasm.ms, webgpuMs: results.webgpu.ms, elements: results.wasm.data.length };
}
