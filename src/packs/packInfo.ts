/**
 * Facts about a model pack read from its manifest alone, before anything is downloaded:
 * which files it has, how many bytes, which GPU features it needs, and a rough GPU memory estimate.
 */
import type { PackFacts } from '../rpc/packsApi';
export { formatBytes } from '../core/formatBytes';
import { graphFiles as filesOf, type FileRef, type PackManifest } from './manifest';

/** Each file once, first occurrence first, as a plain FileRef. */
function uniqueFiles(refs: Iterable<FileRef>): FileRef[] {
  const out = new Map<string, FileRef>();
  for (const ref of refs) if (!out.has(ref.file)) out.set(ref.file, { file: ref.file, bytes: ref.bytes, sha256: ref.sha256 });
  return [...out.values()];
}

/**
 * The graphs' files once (.onnx and external data), in manifest order. Graphs can share a file
 * (`unet_spatial` uses `unet.onnx.data`): it is listed once. A split graph lists each part's files.
 */
function graphFileRefs(m: PackManifest): FileRef[] {
  return uniqueFiles(
    Object.values(m.graphs).flatMap((graph) => (graph ? filesOf(graph).flatMap((f) => [f, ...f.externalData]) : [])),
  );
}

/** Every file of the pack once (graphs, their external data, tokenizer), in manifest order. */
export function packFiles(m: PackManifest): FileRef[] {
  return uniqueFiles([...graphFileRefs(m), m.tokenizer.vocab, m.tokenizer.merges]);
}

/** Download size: the sum of the bytes of every file (manifest.json itself not counted). */
export function packBytes(m: PackManifest): number {
  return packFiles(m).reduce((sum, f) => sum + f.bytes, 0);
}

/** WebGPU adapter features the pack needs: fp16 graphs need `shader-f16`. */
export function requiredGpuFeatures(m: Pick<PackManifest, 'dtype'>): string[] {
  return m.dtype === 'float16' ? ['shader-f16'] : [];
}

const MIB = 2 ** 20;
/** Smallest activation allowance: attention scores and latents of a short clip at the default size. */
export const MIN_WORKSPACE_BYTES = 256 * MIB;

/**
 * Rough GPU memory a pack needs on WebGPU: every session stays loaded (text encoder, UNet, VAE...),
 * so all graph weights are resident, plus a workspace for activations of a quarter of the weights,
 * at least 256 MiB. Worked example: weights 2 GiB → 2 GiB + 512 MiB = 2.5 GiB; the tiny demo
 * pack (29 MB) → 29 MB + 256 MiB. It is an estimate to warn with, not a promise: large sizes and
 * many context frames need more (web-platform-notes: attention scores).
 */
export function estimateGpuMemory(m: PackManifest): { weightsBytes: number; workspaceBytes: number; totalBytes: number } {
  const weightsBytes = graphFileRefs(m).reduce((sum, f) => sum + f.bytes, 0);
  const workspaceBytes = Math.max(MIN_WORKSPACE_BYTES, Math.ceil(weightsBytes / 4));
  return { weightsBytes, workspaceBytes, totalBytes: weightsBytes + workspaceBytes };
}

export function packFacts(m: PackManifest): PackFacts {
  return {
    id: m.id,
    name: m.name,
    family: m.family,
    dtype: m.dtype,
    totalBytes: packBytes(m),
    gpuFeatures: requiredGpuFeatures(m),
    gpuMemoryBytes: estimateGpuMemory(m).totalBytes,
  };
}
