/**
 * Test-only hook (installed by e2e/harness.ts): create an onnxruntime-web/webgpu session for one
 * graph with verbose logging and report where ORT placed each node.
 *
 *   window.__ortPlacement.check({ model, externalData: [{ path, url }], run? })
 *     -> { ok, error?, placements: { [ep]: [{ op, name }] }, allOn?, logLines, createMs, run? }
 *
 * ORT prints "Node placements", then either "All nodes placed on [EP]. Number of nodes: N" or, per
 * EP, " Node(s) placed on [EP]. Number of nodes: N" followed by "  OpType (node name)" lines. The
 * console is captured while a session is created so the thousands of verbose lines of a UNet
 * never leave the page; only the placement lines are returned. The harness page uses one thread
 * (numThreads 1) and ORT's own WebGPU device.
 */
import * as ort from 'onnxruntime-web/webgpu';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';

export interface PlacedNode {
  op: string;
  name: string;
}

export interface RunFeed {
  name: string;
  dtype: 'float32' | 'int64';
  dims: number[];
  data: number[];
}

export interface PlacementResult {
  ok: boolean;
  error?: string;
  /** EP name -> nodes ORT put there (empty lists when it only printed a count). */
  placements: Record<string, PlacedNode[]>;
  counts: Record<string, number>;
  /** Set when ORT printed "All nodes placed on [EP]". */
  allOn?: string;
  placementLines: string[];
  createMs: number;
  run?: { ms: number; outputs: { name: string; dims: number[]; finite: boolean; maxAbs: number }[] };
  error_run?: string;
}

export interface OrtPlacementHooks {
  check(args: { model: string; externalData: { path: string; url: string }[]; run?: RunFeed[] }): Promise<PlacementResult>;
  adapterInfo(): Promise<{ hasAdapter: boolean; shaderF16: boolean; fallback: boolean }>;
}

declare global {
  interface Window {
    __ortPlacement?: OrtPlacementHooks;
  }
}

let configured = false;
/** Where console output goes while a session is created (else to the real console). */
let capture: string[] | undefined;

/**
 * Route console.* through one function for the page's lifetime: the wasm module binds its
 * print functions to console.log/console.error once, when it is first instantiated, so a
 * temporary override would keep receiving (or lose) every later session's log.
 */
function installConsoleRouter() {
  const real = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug };
  for (const level of Object.keys(real) as (keyof typeof real)[]) {
    console[level] = (...args: unknown[]) => {
      if (capture) capture.push(args.map(String).join(' '));
      else real[level].apply(console, args);
    };
  }
}

function configure() {
  if (configured) return;
  installConsoleRouter();
  ort.env.wasm.wasmPaths = { wasm: ortWasmUrl };
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'verbose';
  configured = true;
}

const ALL_ON = /All nodes placed on \[(\w+)\]\. Number of nodes: (\d+)/;
const SOME_ON = /Node\(s\) placed on \[(\w+)\]\. Number of nodes: (\d+)/;
const NODE = /^\s{2,}(\S+) \((.*)\)\s*$/;

/** Placement lines -> EP -> nodes. Works on the message part after ORT's "[I:onnxruntime:...] " prefix. */
export function parsePlacements(lines: string[]) {
  const placements: Record<string, PlacedNode[]> = {};
  const counts: Record<string, number> = {};
  let allOn: string | undefined;
  let current: string | undefined;
  let inBlock = false;
  const kept: string[] = [];
  for (const raw of lines) {
    for (const full of raw.split('\n')) {
      const line = full.replace(/^.*?\] /, '');
      if (/Node placements/.test(full)) {
        inBlock = true;
        kept.push(line);
        continue;
      }
      const all = ALL_ON.exec(full);
      if (all) {
        allOn = all[1];
        counts[all[1]] = Number(all[2]);
        placements[all[1]] ??= [];
        kept.push(line);
        inBlock = false;
        continue;
      }
      const some = SOME_ON.exec(full);
      if (some) {
        current = some[1];
        counts[current] = Number(some[2]);
        placements[current] ??= [];
        kept.push(line);
        inBlock = true;
        continue;
      }
      if (inBlock && current) {
        const node = NODE.exec(line);
        if (node) {
          placements[current].push({ op: node[1], name: node[2] });
          kept.push(line);
          continue;
        }
        if (line.trim() !== '') {
          inBlock = false;
          current = undefined;
        }
      }
    }
  }
  return { placements, counts, allOn, kept };
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

export function installOrtPlacementHooks(): OrtPlacementHooks {
  if (window.__ortPlacement) return window.__ortPlacement;
  const hooks: OrtPlacementHooks = {
    async adapterInfo() {
      const adapter = await navigator.gpu?.requestAdapter();
      const info = adapter?.info as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | undefined;
      return { hasAdapter: Boolean(adapter), shaderF16: Boolean(adapter?.features.has('shader-f16')), fallback: Boolean(info?.isFallbackAdapter) };
    },
    async check({ model, externalData, run }) {
      configure();
      const modelBytes = await fetchBytes(model);
      const data = [];
      for (const e of externalData) data.push({ path: e.path, data: await fetchBytes(e.url) });
      const captured: string[] = [];
      capture = captured;
      const started = performance.now();
      let session: ort.InferenceSession | undefined;
      let error: string | undefined;
      try {
        session = await ort.InferenceSession.create(modelBytes, {
          executionProviders: ['webgpu'],
          externalData: data,
          graphOptimizationLevel: 'all',
          logSeverityLevel: 0,
          logVerbosityLevel: 0,
        });
      } catch (e) {
        error = String(e);
      } finally {
        capture = undefined;
      }
      const createMs = performance.now() - started;
      // "[V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   MatMul (/x/MatMul)"
      const relevant = captured.filter((l) => /VerifyEachNodeIsAssignedToAnEp|placed on|Node placements/.test(l));
      const parsed = parsePlacements(relevant);
      const result: PlacementResult = {
        ok: Boolean(session) && !error,
        error: error ?? (captured.length === 0 ? 'no log lines were captured' : undefined),
        placements: parsed.placements,
        counts: parsed.counts,
        allOn: parsed.allOn,
        placementLines: parsed.kept.slice(0, 400),
        createMs,
      };
      if (!error && captured.length === 0) result.ok = false;
      if (session && run) {
        try {
          const feeds: Record<string, ort.Tensor> = {};
          for (const f of run) {
            feeds[f.name] =
              f.dtype === 'int64'
                ? new ort.Tensor('int64', BigInt64Array.from(f.data.map((v) => BigInt(v))), f.dims)
                : new ort.Tensor('float32', Float32Array.from(f.data), f.dims);
          }
          const t0 = performance.now();
          const out = await session.run(feeds);
          const ms = performance.now() - t0;
          result.run = {
            ms,
            outputs: Object.entries(out).map(([name, t]) => {
              const values = t.data as Float32Array;
              let maxAbs = 0;
              let finite = true;
              for (const v of values) {
                if (!Number.isFinite(v)) finite = false;
                else maxAbs = Math.max(maxAbs, Math.abs(v));
              }
              return { name, dims: [...t.dims], finite, maxAbs };
            }),
          };
        } catch (e) {
          result.error_run = String(e);
        }
      }
      await session?.release();
      return result;
    },
  };
  window.__ortPlacement = hooks;
  return hooks;
}
