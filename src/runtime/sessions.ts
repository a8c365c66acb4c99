/**
 * ONNX session creation from a pack's graph entry: the .onnx bytes plus external-data files, each
 * verified against the manifest, on the WebGPU EP (our own device) or the wasm EP; a split graph
 * becomes its part sessions chained as one (on WebGPU the tensors crossing between parts stay on
 * the GPU, splitSession.ts).
 */
import { appError } from '../rpc/errors';
import type { Backend } from '../rpc/generatorApi';
import type { FileRef, GraphFile, GraphSpec, SplitGraphSpec } from '../packs/manifest';
import { readVerified, type PackSource } from './packSource';
import type { Ort, OrtSession } from './ortTypes';
import { chainSessions, crossingOutputLocations, onnxOutputTypes } from './splitSession';

export interface SessionTarget {
  backend: Backend;
  device?: GPUDevice;
}

/**
 * Reads a pack file verified against its manifest entry. `reopen` (onceReader's) gives a new reader
 * of the same source that holds none of this one's bytes: a split graph's part made anew after a
 * failed run reads its files through it.
 */
export type VerifiedReader = ((ref: FileRef) => Promise<Uint8Array>) & { reopen?: () => VerifiedReader };

/**
 * A reader that reads and hashes each file once: graphs may share an external-data file
 * (`unet_spatial` uses `unet.onnx.data`), which is then read and verified only once per load.
 */
export function onceReader(source: PackSource): VerifiedReader {
  return Object.assign(cachingReader(source), { reopen: reopener(source) });
}

// Its own scope: the closure keeps `source` only, never a reader's cache of file bytes.
const reopener = (source: PackSource) => () => onceReader(source);

function cachingReader(source: PackSource): VerifiedReader {
  const seen = new Map<string, Promise<Uint8Array>>();
  return (ref) => {
    let bytes = seen.get(ref.file);
    if (!bytes) {
      bytes = readVerified(source, ref);
      seen.set(ref.file, bytes);
      bytes.catch(() => seen.delete(ref.file));
    }
    return bytes;
  };
}

/**
 * The session of a pack graph: one per .onnx file, or for a split graph (manifest `parts`) the part
 * sessions chained behind one session interface (splitSession.ts). On WebGPU each part asks for its
 * outputs that cross to a later part on the GPU ('gpu-buffer'); the graph's outputs keep what
 * `ort`'s create asks for (CPU unless the caller wraps create, as residentPack's withOutputsOnGpu
 * does), and a part whose run failed is made anew from `read.reopen()` before its next run.
 */
export async function createGraphSession(ort: Ort, read: VerifiedReader, name: string, graph: GraphSpec, target: SessionTarget): Promise<OrtSession> {
  if (!graph.parts) return createFileSession(ort, read, name, graph, target);
  const parts: OrtSession[] = [];
  try {
    for (const k of graph.parts.keys()) parts.push(await createPartSession(ort, read, name, graph, k, target));
    try {
      const recreate = target.backend === 'webgpu' && read.reopen ? partRecreator(ort, read.reopen, name, graph, target) : undefined;
      return chainSessions(name, parts, graph.inputs, graph.outputs, { recreate });
    } catch (e) {
      throw appError('pack-corrupt', `The parts of the ${name} graph do not fit together. Re-download the pack or export it again.`, String(e));
    }
  } catch (e) {
    await Promise.all(parts.map((p) => p.release().catch(() => undefined)));
    throw e;
  }
}

function createPartSession(ort: Ort, read: VerifiedReader, name: string, graph: SplitGraphSpec, k: number, target: SessionTarget): Promise<OrtSession> {
  const part = graph.parts[k];
  // on WebGPU: the float tensors crossing to a later part stay on the GPU (the .onnx says which are float)
  const locations = target.backend === 'webgpu' ? (model: Uint8Array) => crossingOutputLocations(part.outputs, graph.outputs, onnxOutputTypes(model)) : undefined;
  return createFileSession(ort, read, `${name} (part ${k + 1} of ${graph.parts.length})`, part, target, locations);
}

// Its own scope: the closure keeps `reopen`, not the reader that loaded the pack (and its bytes).
function partRecreator(ort: Ort, reopen: () => VerifiedReader, name: string, graph: SplitGraphSpec, target: SessionTarget) {
  return (k: number) => createPartSession(ort, reopen(), name, graph, k, target);
}

async function createFileSession(
  ort: Ort,
  read: VerifiedReader,
  name: string,
  graph: GraphFile,
  target: SessionTarget,
  outputLocations?: (model: Uint8Array) => Record<string, 'gpu-buffer'> | undefined,
): Promise<OrtSession> {
  const model = await read(graph);
  const externalData = [];
  for (const ref of graph.externalData) externalData.push({ path: ref.file.split('/').pop() as string, data: await read(ref) });
  const executionProviders =
    target.backend === 'webgpu' ? [target.device ? { name: 'webgpu' as const, device: target.device } : ('webgpu' as const)] : ['wasm' as const];
  try {
    const options = { executionProviders, externalData, graphOptimizationLevel: 'all' as const };
    const preferredOutputLocation = outputLocations?.(model);
    return await ort.InferenceSession.create(model, preferredOutputLocation ? { ...options, preferredOutputLocation } : options);
  } catch (e) {
    throw appError(
      'model-load-failed',
      `The ${name} graph of the model pack could not be loaded on ${target.backend === 'webgpu' ? 'WebGPU' : 'the wasm backend'}. If it keeps failing, re-download the pack or switch backend.`,
      String(e),
    );
  }
}
