import type { Ort } from './ortTypes';

/**
 * The one place onnxruntime's global env is configured (called once by the generator worker).
 * Threads need cross-origin isolation (COOP/COEP headers, set by vite.config.ts); without it ORT
 * runs single-threaded.
 */
export function configureOrt(ort: Ort, opts: { wasmUrl?: string } = {}) {
  if (opts.wasmUrl) ort.env.wasm.wasmPaths = { wasm: opts.wasmUrl };
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const cores = (globalThis.navigator as Navigator | undefined)?.hardwareConcurrency ?? 1;
  ort.env.wasm.numThreads = isolated ? Math.max(1, Math.min(4, cores)) : 1;
  ort.env.logLevel = 'warning';
}
