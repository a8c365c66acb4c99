/**
 * Test-only hook (installed by e2e/harness.ts): a split UNet (manifest `parts`) chained on real
 * WebGPU (SwiftShader in CI) against the whole graph, and what each reads back from the GPU.
 *
 *   window.__splitChain.compare(c) -> SplitChainReport
 *
 * Sessions come from the app's createGraphSession on our own device (probeWebGpu): the whole UNet
 * of the tiny demo pack, its split copy as the app chains it (crossing tensors on 'gpu-buffer',
 * splitSession.ts), the same parts with every output on the CPU (the chain before: each crossing
 * tensor read back and uploaded again), and the split chain as the resident loop creates it
 * (withOutputsOnGpu: noise_pred stays on the GPU). Every GPU -> CPU read is counted where it must
 * happen, GPUBuffer.mapAsync(READ) (onnxruntime's own copies included), during each session.run.
 */
import * as ort from 'onnxruntime-web/webgpu';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import type { PackManifest } from '../src/packs/manifest';
import type { OrtSession, OrtTensor } from '../src/runtime/ortTypes';
import { httpPackSource } from '../src/runtime/packSource';
import { withOutputsOnGpu } from '../src/runtime/residentPack';
import { createGraphSession, onceReader } from '../src/runtime/sessions';
import { probeWebGpu } from '../src/runtime/webgpuDevice';

export interface ChainCase {
  /** URL of the split pack's folder (the spec serves it). */
  splitPack: string;
  frames: number;
  h: number;
  w: number;
}

export interface RunReport {
  /** mapAsync(READ) calls and bytes during session.run. */
  reads: number;
  bytesRead: number;
  outputLocation: string;
  ms: number;
  /** max |this − whole graph| over noise_pred. */
  maxAbsDiff: number;
  /** Where each part was asked to put its outputs (a part's preferredOutputLocation). */
  locations: unknown[];
}

export interface SplitChainReport {
  adapter?: string;
  parts: number;
  /** Float32 bytes of the tensors crossing between parts on this input (the old chain read them all back). */
  crossingBytes: number;
  crossing: { name: string; type: string; dims: number[]; location: string }[];
  noisePredBytes: number;
  whole: RunReport;
  chained: RunReport;
  chainedCpu: RunReport;
  chainedResident: RunReport;
}

declare global {
  interface Window {
    __splitChain?: { compare(c: ChainCase): Promise<SplitChainReport> };
  }
}

const wave = (n: number, k: number, a: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * k + 0.3) * a);
const BYTES: Record<string, number> = { float32: 4, float16: 2, int64: 8, int32: 4 };

/** Counts GPU -> CPU reads: mapAsync with MAP_READ, with the bytes mapped. */
function readCounter() {
  const c = { reads: 0, bytes: 0, on: false };
  const proto = GPUBuffer.prototype;
  const mapAsync = proto.mapAsync;
  proto.mapAsync = function (this: GPUBuffer, mode: number, offset?: number, size?: number) {
    if (c.on && mode & 1 /* GPUMapMode.READ */) {
      c.reads++;
      c.bytes += size ?? this.size - (offset ?? 0);
    }
    return mapAsync.call(this, mode, offset, size);
  };
  return c;
}

async function compare(c: ChainCase): Promise<SplitChainReport> {
  ort.env.wasm.wasmPaths = { wasm: ortWasmUrl };
  ort.env.wasm.numThreads = 1;
  const probe = await probeWebGpu();
  if (probe.info.backend !== 'webgpu' || !probe.device) throw new Error(`no WebGPU device: ${probe.info.reason ?? ''}`);
  const target = { backend: 'webgpu' as const, device: probe.device };
  const counter = readCounter();
  const manifestOf = async (url: string) => (await (await fetch(`${url}manifest.json`)).json()) as PackManifest;
  const wholeUrl = new URL('/packs/tiny-musev/', location.href).href;
  const splitUrl = new URL(c.splitPack, location.href).href;
  const [wholeManifest, splitManifest] = await Promise.all([manifestOf(wholeUrl), manifestOf(splitUrl)]);
  const parts = splitManifest.graphs.unet.parts;
  if (!parts) throw new Error('the split pack has no UNet parts');

  // Records the options each part session is created with (the locations it asks for).
  const recording = (o: typeof ort, locations: unknown[]) => {
    const create = (model: Uint8Array, options?: ort.InferenceSession.SessionOptions) => {
      locations.push(options?.preferredOutputLocation);
      return o.InferenceSession.create(model, options);
    };
    return { ...o, InferenceSession: { ...o.InferenceSession, create } } as unknown as typeof ort;
  };
  // The chain as it was: every part output on the CPU.
  const allOnCpu = (o: typeof ort) => {
    const create = (model: Uint8Array, options?: ort.InferenceSession.SessionOptions) => o.InferenceSession.create(model, { ...options, preferredOutputLocation: undefined });
    return { ...o, InferenceSession: { ...o.InferenceSession, create } } as unknown as typeof ort;
  };

  const B = 1, C = splitManifest.vae.latentChannels, D = splitManifest.unet.crossAttentionDim;
  const feeds = () => ({
    sample: new ort.Tensor('float32', wave(B * C * c.frames * c.h * c.w, 0.37, 0.8), [B, C, c.frames, c.h, c.w]),
    timestep: new ort.Tensor('float32', Float32Array.of(500), [1]),
    encoder_hidden_states: new ort.Tensor('float32', wave(B * 77 * D, 0.11, 0.5), [B, 77, D]),
    frame_index: new ort.Tensor('int64', BigInt64Array.from({ length: c.frames }, (_, i) => BigInt(i)), [c.frames]),
  });

  let reference: Float32Array | undefined;
  const measure = async (make: (locations: unknown[]) => Promise<OrtSession>): Promise<RunReport & { data: Float32Array }> => {
    const locations: unknown[] = [];
    const session = await make(locations);
    try {
      // first run compiles the shaders; the second is measured
      for (const t of Object.values(await session.run(feeds()))) t.dispose();
      const f = feeds();
      counter.reads = counter.bytes = 0;
      counter.on = true;
      const t0 = performance.now();
      const out = await session.run(f);
      const ms = performance.now() - t0;
      counter.on = false;
      const report = { reads: counter.reads, bytesRead: counter.bytes, outputLocation: out.noise_pred.location, ms, locations };
      const data = (await out.noise_pred.getData()) as Float32Array;
      for (const t of [...Object.values(out), ...Object.values(f)]) t.dispose();
      let maxAbsDiff = 0;
      if (reference) for (let k = 0; k < data.length; k++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(data[k] - reference[k]));
      return { ...report, maxAbsDiff, data };
    } finally {
      counter.on = false;
      await session.release();
    }
  };

  const whole = await measure(() => createGraphSession(ort, onceReader(httpPackSource(wholeUrl)), 'unet', wholeManifest.graphs.unet, target));
  reference = whole.data;
  const split = (o: typeof ort) => createGraphSession(o, onceReader(httpPackSource(splitUrl)), 'unet', splitManifest.graphs.unet, target);
  const chained = await measure((l) => split(recording(ort, l)));
  const chainedCpu = await measure((l) => split(recording(allOnCpu(ort), l)));
  const chainedResident = await measure((l) => split(withOutputsOnGpu(recording(ort, l))));

  // The crossing tensors on this input: the parts run one by one on wasm (quick), and looked at.
  const crossing: SplitChainReport['crossing'] = [];
  {
    const read = onceReader(httpPackSource(splitUrl));
    const held: Record<string, OrtTensor> = {};
    const f = feeds() as Record<string, OrtTensor>;
    for (const [k, p] of parts.entries()) {
      const s = await ort.InferenceSession.create(await read(p), {
        executionProviders: ['wasm'],
        externalData: await Promise.all(p.externalData.map(async (r) => ({ path: r.file.split('/').pop() as string, data: await read(r) }))),
      });
      const out = await s.run(Object.fromEntries(p.inputs.map((n) => [n, held[n] ?? f[n]])));
      for (const [n, t] of Object.entries(out)) {
        if (k < parts.length - 1 && n !== 'noise_pred') crossing.push({ name: n, type: t.type, dims: t.dims.slice(), location: String(chained.locations[k] && (chained.locations[k] as Record<string, string>)[n]) });
        held[n] = t;
      }
      await s.release();
    }
    for (const t of [...Object.values(held), ...Object.values(f)]) t.dispose();
  }
  const strip = ({ data: _, ...r }: RunReport & { data: Float32Array }) => r;
  return {
    adapter: probe.info.gpu?.description || probe.info.gpu?.vendor,
    parts: parts.length,
    crossing,
    crossingBytes: crossing.reduce((a, t) => a + t.dims.reduce((x, y) => x * y, 1) * (BYTES[t.type] ?? 4), 0),
    noisePredBytes: whole.data.length * 4,
    whole: strip(whole),
    chained: strip(chained),
    chainedCpu: strip(chainedCpu),
    chainedResident: strip(chainedResident),
  };
}

export function installSplitChainHooks(): void {
  window.__splitChain = { compare };
}
