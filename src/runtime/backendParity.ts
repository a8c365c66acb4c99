/**
 * GPU self-check: one UNet call of the pack on WebGPU and on wasm with the same inputs, compared.
 * WebGPU drivers and onnxruntime kernels can be wrong on some adapters (web-platform-notes: the
 * flash-attention subgroup bug); this tells the user whether their GPU gives the CPU's numbers.
 */
import type { PackManifest } from '../packs/manifest';
import { UNET_REFERENCE_INPUTS } from '../packs/validateManifest';
import type { TensorF32, UnetConditioning } from '../pipeline/networks';
import type { BackendParity } from '../rpc/generatorApi';
import { ortUnet } from './ortNetworks';
import type { Ort } from './ortTypes';
import type { PackSource } from './packSource';
import { createGraphSession, onceReader } from './sessions';

const wave = (n: number, k: number, a: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * k) * a);

/**
 * Small deterministic inputs: batch 2 (CFG), 1 + 2 frames, 8x8 latent (64x64 pixels); for the
 * referencenet families also IP tokens, ip_scale 1 and ReferenceNet features of an 8x8 reference
 * latent, shaped from the graph's input specs ("ref_height/2" → 4, "ip_seq" → the pack's tokens);
 * for FaceID packs face tokens (the pack's count) at face_scale 1.
 */
function parityInputs(m: PackManifest) {
  const [B, C, T, h, w] = [2, m.vae.latentChannels, 3, m.unet.latentMultiple, m.unet.latentMultiple];
  const D = m.unet.crossAttentionDim;
  const context = Float32Array.from({ length: B * 77 * D }, (_, i) => Math.cos(i * 0.11) * 0.5);
  const dim = (d: number | string): number => {
    if (typeof d === 'number') return d;
    if (d === 'batch') return B;
    if (d === 'ip_seq') return m.unet.ipAdapter?.tokens ?? 4;
    const [name, div] = d.split('/');
    const size = name.endsWith('height') ? h : name.endsWith('width') ? w : NaN;
    return size / Number(div ?? 1);
  };
  let conditioning: UnetConditioning | undefined;
  const inputs = m.graphs.unet.inputs;
  if (inputs.some((t) => t.name === 'ip_tokens' || t.name === 'ref_mid')) {
    const tensor = (name: string, k: number): TensorF32 => {
      const shape = (inputs.find((t) => t.name === name)?.shape ?? []).map(dim);
      return { data: wave(shape.reduce((a, b) => a * b, 1), k, 0.6), shape };
    };
    const reference = Object.fromEntries(UNET_REFERENCE_INPUTS.filter((n) => inputs.some((t) => t.name === n)).map((n, k) => [n, tensor(n, 0.13 + k * 0.01)]));
    conditioning = { ipTokens: { data: wave(B * dim('ip_seq') * D, 0.29, 0.7), shape: [B, dim('ip_seq'), D] }, ipScale: 1, reference };
  }
  if (inputs.some((t) => t.name === 'face_tokens')) {
    const n = m.unet.ipAdapterFace?.tokens ?? 4;
    conditioning = { ...conditioning, faceTokens: { data: wave(B * n * D, 0.23, 0.7), shape: [B, n, D] }, faceScale: 1 };
  }
  return { sample: { data: wave(B * C * T * h * w, 0.37, 0.8), shape: [B, C, T, h, w] }, context: { data: context, shape: [B, 77, D] }, frameIndex: [0, 1, 2], timestep: 500, conditioning };
}

export async function checkBackendParity(ort: Ort, source: PackSource, manifest: PackManifest, device: GPUDevice | undefined): Promise<BackendParity> {
  const x = parityInputs(manifest);
  const results: Record<string, { data: Float32Array; ms: number }> = {};
  const read = onceReader(source);
  for (const backend of ['wasm', 'webgpu'] as const) {
    const session = await createGraphSession(ort, read, 'unet', manifest.graphs.unet, { backend, device });
    try {
      const unet = ortUnet(ort, session);
      await unet.predict(x.sample, x.timestep, x.context, x.frameIndex, x.conditioning); // warm-up (shader compilation)
      const t0 = performance.now();
      const out = await unet.predict(x.sample, x.timestep, x.context, x.frameIndex, x.conditioning);
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
