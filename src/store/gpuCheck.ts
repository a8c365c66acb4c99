import type { AppError } from '../rpc/errors';
import type { BackendParity, LoadOptions } from '../rpc/generatorApi';
import type { BackendChoice } from './settings';

/**
 * The GPU self-check ("Check GPU"): one UNet call of the loaded pack on WebGPU and on wasm,
 * compared element by element (src/runtime/backendParity.ts). Pure helpers for the store and the UI.
 */
export type GpuCheckState =
  | { status: 'idle' }
  /** 'load' while the pack loads, 'compare' while the worker runs the two UNet calls. */
  | { status: 'running'; phase: 'load' | 'compare' }
  | { status: 'done'; parity: BackendParity }
  | { status: 'error'; error: AppError };

export const IDLE_GPU_CHECK: GpuCheckState = { status: 'idle' };

/** Largest |WebGPU - wasm| still called a match (fp32 kernels differ by ~1e-6..1e-4). */
export const PARITY_TOLERANCE = 1e-3;

/** NaN (a NaN in WebGPU's output) is never a match. */
export function parityMatches(p: BackendParity): boolean {
  return p.maxAbsDiff <= PARITY_TOLERANCE;
}

/**
 * The pack load the check needs. The worker's check builds its own WebGPU and wasm UNet sessions
 * from the loaded pack's files, whatever backend the pack itself was loaded on, so we load with the
 * user's choice: a 'wasm' choice reuses the pack already loaded for generation (no GPU reload).
 */
export function gpuCheckLoadOptions(backend: BackendChoice): LoadOptions {
  return { backend };
}

/** A difference for people: 0 → "0", 3.14e-6 → "3.1e-6", 0.25 → "0.25", 12.3 → "12". */
export function formatDiff(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) < 0.01) return x.toExponential(1);
  return String(Number(x.toPrecision(2)));
}

/**
 * The sentence under "Check GPU". Examples:
 * - match: "WebGPU matches the CPU: max difference 3.1e-6 (WebGPU 120 ms, wasm 40 ms per UNet call)"
 * - mismatch: "WebGPU gives different numbers on this GPU: max difference 0.25 (outputs up to 4.1).
 *   Choose the wasm (CPU) backend above for correct videos."
 */
export function describeParity(p: BackendParity): string {
  const diff = formatDiff(p.maxAbsDiff);
  if (parityMatches(p)) {
    return `WebGPU matches the CPU: max difference ${diff} (WebGPU ${Math.round(p.webgpuMs)} ms, wasm ${Math.round(p.wasmMs)} ms per UNet call)`;
  }
  return `WebGPU gives different numbers on this GPU: max difference ${diff} (outputs up to ${formatDiff(p.maxAbs)}). Choose the wasm (CPU) backend above for correct videos.`;
}

/** Everything the result line shows, or null when there is nothing to show (never run, stopped). */
export function gpuCheckText(state: GpuCheckState): { tone: 'ok' | 'warn' | 'error' | 'busy'; text: string } | null {
  switch (state.status) {
    case 'idle':
      return null;
    case 'running':
      return {
        tone: 'busy',
        text: state.phase === 'load' ? 'Loading the model for the check…' : 'Running one UNet call on WebGPU and on wasm…',
      };
    case 'done':
      return { tone: parityMatches(state.parity) ? 'ok' : 'warn', text: describeParity(state.parity) };
    case 'error':
      return { tone: 'error', text: `GPU check failed: ${state.error.message}` };
  }
}
