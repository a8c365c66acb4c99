/**
 * A split graph (manifest `parts`, models/README.md "UNet split") as one session: the exporter cuts
 * a graph whose weights exceed one session's limit (fp32 SD1.5 UNet: 5.68 GB > 4 GiB) into
 * consecutive parts; this runs the part sessions in order behind the ordinary session interface,
 * so the networks (ortNetworks.ts) and the resident loop need not know.
 *
 * Worked example (3 parts of a UNet): part 0 reads sample, timestep, encoder_hidden_states,
 * frame_index and makes h0..h16 (skip tensors, time embedding...); part 1 reads encoder_hidden_states
 * and some of them and makes g; part 2 reads g, the rest of h and makes noise_pred. Each part gets
 * its inputs by name from the caller's feeds and the earlier parts' outputs; an intermediate is
 * disposed right after the last part that reads it (h0 after part 2, g after part 2), an output no
 * later part reads and the graph does not return at once, so the chain holds only the tensors a
 * later part still needs. The caller's feeds are never disposed here (the caller owns them:
 * ortNetworks' runAll disposes its feeds), and only the graph's outputs are returned (the caller
 * disposes them).
 *
 * Where the crossing tensors live (sessions.ts creates the parts): on WebGPU every part asks for
 * its float outputs that are not graph outputs (h0..h16, g; also one nobody reads) as 'gpu-buffer'
 * (`crossingOutputLocations`), so they go from part to part as GPU tensors, never read back to the
 * CPU nor uploaded again, and dispose() frees their device buffers. Integer crossing tensors (shape
 * values onnxruntime computes and reads on the CPU) stay on the CPU. Graph outputs (noise_pred) keep
 * the location the caller asks of the session: CPU by default; 'gpu-buffer' when the caller's
 * InferenceSession.create asks for every output on the GPU (the resident loop's withOutputsOnGpu,
 * residentPack.ts, which keeps the locations a part names: only the last part's outputs change).
 * On wasm no location is asked for: everything stays on the CPU, as before.
 *
 * A session with 'gpu-buffer' outputs is broken for good by one failed run (onnxruntime-web 1.30,
 * web-platform-notes "GPU-resident loop"); given `recreate`, a part whose run failed is made anew
 * before the chain's next run reaches it, so the out-of-memory retry can run the graph again.
 */
import type { TensorSpec } from '../packs/manifest';
import type { OrtSession, OrtTensor } from './ortTypes';

type Feeds = OrtSession extends { run(feeds: infer F, ...rest: never[]): unknown } ? F : never;
type Results = Awaited<ReturnType<OrtSession['run']>>;

const metadata = (t: TensorSpec) => ({ name: t.name, isTensor: true as const, type: t.dtype, shape: t.shape });

/** ONNX TensorProto.DataType: FLOAT, FLOAT16. */
const FLOAT_TYPES = new Set([1, 10]);

/**
 * A part's `preferredOutputLocation` on WebGPU: 'gpu-buffer' for each of its float outputs that is
 * not a graph output (a tensor crossing to a later part, or one nothing reads). Left out, so on the
 * CPU (onnxruntime's default): graph outputs, and integer crossing tensors: those are shape values
 * that onnxruntime computes on the CPU and the next part reads on the CPU (Reshape's shape...); on
 * the GPU each would be uploaded and read back again (the split tiny pack: 6 such tensors, 5 reads
 * of 128 B in all, each waiting for the GPU). `elemTypes` (onnxOutputTypes of the part's .onnx): an
 * output whose type is not known counts as float. undefined when nothing is asked for the GPU (the
 * last part): the session then has no GPU outputs at all.
 */
export function crossingOutputLocations(
  partOutputs: readonly string[],
  graphOutputs: readonly TensorSpec[],
  elemTypes: ReadonlyMap<string, number> = new Map(),
): Record<string, 'gpu-buffer'> | undefined {
  const returned = new Set(graphOutputs.map((t) => t.name));
  const onGpu = partOutputs.filter((n) => !returned.has(n) && FLOAT_TYPES.has(elemTypes.get(n) ?? 1));
  return onGpu.length ? Object.fromEntries(onGpu.map((n) => [n, 'gpu-buffer' as const])) : undefined;
}

/**
 * The element types (TensorProto.DataType) of an .onnx file's graph outputs, by name, read from
 * the protobuf without decoding the rest: ModelProto.graph (7) -> GraphProto.output (12) ->
 * ValueInfoProto name (1), type (2) -> TypeProto.tensor_type (1) -> elem_type (1). Other fields
 * (nodes, initializers) are skipped by length. Throws on bytes that are not a protobuf.
 */
export function onnxOutputTypes(model: Uint8Array): Map<string, number> {
  const types = new Map<string, number>();
  const text = new TextDecoder();
  for (const graph of fields(model, 0, model.length)) {
    if (graph.no !== 7 || graph.end === undefined) continue;
    for (const output of fields(model, graph.at, graph.end)) {
      if (output.no !== 12 || output.end === undefined) continue;
      let name: string | undefined;
      let elem: number | undefined;
      for (const f of fields(model, output.at, output.end)) {
        if (f.no === 1 && f.end !== undefined) name = text.decode(model.subarray(f.at, f.end));
        if (f.no !== 2 || f.end === undefined) continue;
        for (const tensor of fields(model, f.at, f.end)) {
          if (tensor.no !== 1 || tensor.end === undefined) continue;
          for (const e of fields(model, tensor.at, tensor.end)) if (e.no === 1 && e.end === undefined) elem = e.value;
        }
      }
      if (name !== undefined && elem !== undefined) types.set(name, elem);
    }
  }
  return types;
}

/** The fields of a protobuf message in buf[start, end): varints with their value, length-delimited ones with their bytes' range. */
function* fields(buf: Uint8Array, start: number, end: number): Generator<{ no: number; value: number; at: number; end?: number }> {
  let p = start;
  const varint = () => {
    let v = 0;
    for (let scale = 1; ; scale *= 128) {
      if (p >= end) throw new Error('onnx: truncated protobuf');
      const b = buf[p++];
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
    }
  };
  while (p < end) {
    const key = varint();
    const no = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) yield { no, value: varint(), at: p };
    else if (wire === 2) {
      const len = varint();
      if (p + len > end) throw new Error('onnx: truncated protobuf');
      yield { no, value: len, at: p, end: p + len };
      p += len;
    } else if (wire === 1) p += 8;
    else if (wire === 5) p += 4;
    else throw new Error(`onnx: protobuf wire type ${wire} not expected`);
  }
}

export interface ChainOptions {
  /** Makes part k anew (same files and options); called before the next run of a part whose run failed. */
  recreate?: (k: number) => Promise<OrtSession>;
}

/**
 * One session made of `parts` (already created, in execution order); `inputs` / `outputs` are the
 * whole graph's contract from the manifest. Throws when the parts do not chain: a part reading a
 * value that is neither a graph input nor made by an earlier part, or a graph output no part makes.
 */
export function chainSessions(
  name: string,
  first: readonly OrtSession[],
  inputs: readonly TensorSpec[],
  outputs: readonly TensorSpec[],
  options: ChainOptions = {},
): OrtSession {
  const parts = [...first];
  const broken = new Set<number>(); // parts whose last run failed
  const graphInputs = new Set(inputs.map((t) => t.name));
  const graphOutputs = new Set(outputs.map((t) => t.name));
  const made = new Map<string, number>(); // value -> part that makes it
  const lastRead = new Map<string, number>(); // intermediate value -> last part that reads it
  parts.forEach((p, k) => {
    for (const n of p.inputNames) {
      if (made.has(n)) lastRead.set(n, k);
      else if (!graphInputs.has(n)) throw new Error(`${name}: part ${k} reads "${n}", which is neither a graph input nor made by an earlier part`);
    }
    for (const n of p.outputNames) made.set(n, k);
  });
  for (const n of graphOutputs) if (!made.has(n)) throw new Error(`${name}: no part makes the graph output "${n}"`);
  const needed = [...new Set(parts.flatMap((p) => p.inputNames.filter((n) => graphInputs.has(n))))];

  async function part(k: number): Promise<OrtSession> {
    if (broken.has(k) && options.recreate) {
      await parts[k].release().catch(() => undefined);
      parts[k] = await options.recreate(k);
      broken.delete(k);
    }
    return parts[k];
  }

  async function run(feeds: Feeds): Promise<Results> {
    const missing = needed.filter((n) => !(n in feeds));
    if (missing.length) throw new Error(`${name}: input ${missing.map((n) => `"${n}"`).join(', ')} missing in feeds`);
    const held = new Map<string, OrtTensor>(); // intermediates still to be read
    const out: Record<string, OrtTensor> = {};
    try {
      for (let k = 0; k < parts.length; k++) {
        const session = await part(k);
        const partFeeds: Record<string, OrtTensor> = {};
        for (const n of session.inputNames) partFeeds[n] = held.get(n) ?? (feeds[n] as OrtTensor);
        let results: Results;
        try {
          results = await session.run(partFeeds as Feeds);
        } catch (e) {
          broken.add(k);
          throw e;
        }
        for (const [n, t] of Object.entries(results) as [string, OrtTensor][]) {
          if (graphOutputs.has(n)) out[n] = t;
          if ((lastRead.get(n) ?? -1) > k) held.set(n, t);
          else if (!graphOutputs.has(n)) t.dispose();
        }
        for (const [n, t] of held) {
          if (lastRead.get(n) === k) {
            held.delete(n);
            if (!graphOutputs.has(n)) t.dispose();
          }
        }
      }
    } catch (e) {
      for (const [n, t] of held) if (!graphOutputs.has(n)) t.dispose();
      for (const t of Object.values(out)) t.dispose();
      throw e;
    }
    return out as Results;
  }

  const session = {
    inputNames: inputs.map((t) => t.name),
    outputNames: outputs.map((t) => t.name),
    inputMetadata: inputs.map(metadata),
    outputMetadata: outputs.map(metadata),
    run: (feeds: Feeds, ...rest: unknown[]) => {
      if (rest.some((r) => r !== undefined)) return Promise.reject(new Error(`${name}: a split graph runs with feeds only (no fetches or run options)`));
      return run(feeds);
    },
    async release() {
      await Promise.all(parts.map((p) => p.release()));
    },
    startProfiling() {
      parts.forEach((p) => p.startProfiling());
    },
    endProfiling() {
      parts.forEach((p) => p.endProfiling());
    },
  };
  return session as OrtSession;
}
