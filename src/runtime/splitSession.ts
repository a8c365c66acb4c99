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
 * its outputs that are not graph outputs (h0..h16, g; also one nobody reads) as 'gpu-buffer'
 * (`crossingOutputLocations`), so they go from part to part as GPU tensors, never read back to the
 * CPU nor uploaded again, and dispose() frees their device buffers. Graph outputs (noise_pred) keep
 * the location the caller asks of the session: CPU by default; 'gpu-buffer' when the caller's
 * InferenceSession.create asks for every output on the GPU (the resident loop's withOutputsOnGpu,
 * residentPack.ts, which then also covers the crossing tensors). On wasm no location is asked for:
 * everything stays on the CPU, as before.
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

/**
 * A part's `preferredOutputLocation` on WebGPU: 'gpu-buffer' for each of its outputs that is not a
 * graph output (a tensor crossing to a later part, or one nothing reads); graph outputs are left
 * out (onnxruntime's default, 'cpu'). undefined when every output is a graph output (the last part):
 * the session then has no GPU outputs at all.
 */
export function crossingOutputLocations(partOutputs: readonly string[], graphOutputs: readonly TensorSpec[]): Record<string, 'gpu-buffer'> | undefined {
  const returned = new Set(graphOutputs.map((t) => t.name));
  const crossing = partOutputs.filter((n) => !returned.has(n));
  return crossing.length ? Object.fromEntries(crossing.map((n) => [n, 'gpu-buffer' as const])) : undefined;
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
