/**
 * ONNX session creation from a pack's graph entry: the .onnx bytes plus external-data files, each
 * verified against the manifest, on the WebGPU EP (our own device) or the wasm EP; a split graph
 * becomes its part sessions chained as one.
 */
import { appError } from '../rpc/errors';
import type { Backend } from '../rpc/generatorApi';
import type { FileRef, GraphFile, GraphSpec } from '../packs/manifest';
import { readVerified, type PackSource } from './packSource';
import type { Ort, OrtSession } from './ortTypes';
import { chainSessions } from './splitSession';

export interface SessionTarget {
  backend: Backend;
  device?: GPUDevice;
}

/** Reads a pack file verified against its manifest entry. */
export type VerifiedReader = (ref: FileRef) => Promise<Uint8Array>;

/**
 * A reader that reads and hashes each file once: graphs may share an external-data file
 * (`unet_spatial` uses `unet.onnx.data`), which is then read and verified only once per load.
 */
export function onceReader(source: PackSource): VerifiedReader {
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
 * sessions chained behind one session interface (splitSession.ts).
 */
export async function createGraphSession(ort: Ort, read: VerifiedReader, name: string, graph: GraphSpec, target: SessionTarget): Promise<OrtSession> {
  if (!graph.parts) return createFileSession(ort, read, name, graph, target);
  const parts: OrtSession[] = [];
  try {
    for (const [k, part] of graph.parts.entries()) parts.push(await createFileSession(ort, read, `${name} (part ${k + 1} of ${graph.parts.length})`, part, target));
    try {
      return chainSessions(name, parts, graph.inputs, graph.outputs);
    } catch (e) {
      throw appError('pack-corrupt', `The parts of the ${name} graph do not fit together. Re-download the pack or export it again.`, String(e));
    }
  } catch (e) {
    await Promise.all(parts.map((p) => p.release().catch(() => undefined)));
    throw e;
  }
}

async function createFileSession(ort: Ort, read: VerifiedReader, name: string, graph: GraphFile, target: SessionTarget): Promise<OrtSession> {
  const model = await read(graph);
  const externalData = [];
  for (const ref of graph.externalData) externalData.push({ path: ref.file.split('/').pop() as string, data: await read(ref) });
  const executionProviders =
    target.backend === 'webgpu' ? [target.device ? { name: 'webgpu' as const, device: target.device } : ('webgpu' as const)] : ['wasm' as const];
  try {
    return await ort.InferenceSession.create(model, { executionProviders, externalData, graphOptimizationLevel: 'all' });
  } catch (e) {
    throw appError(
      'model-load-failed',
      `The ${name} graph of the model pack could not be loaded on ${target.backend === 'webgpu' ? 'WebGPU' : 'the wasm backend'}. If it keeps failing, re-download the pack or switch backend.`,
      String(e),
    );
  }
}
