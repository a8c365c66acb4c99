/**
 * Per-run counters in GenerateResult.timings.counters, for the benchmark (src/runtime/runCounters.ts
 * fills them): what crossed from the GPU to the CPU, and time inside onnxruntime.
 */
export interface RunCounters {
  /** Bytes moved GPU → CPU by WebGPU sessions (0 on wasm). */
  bytesReadBack: number;
  /** Bytes read back during each denoising step of the GPU-resident loop, in order (all shots). */
  stepBytesReadBack: number[];
  /** Milliseconds inside the UNet sessions' `run`, and how many runs. */
  unetRunMs: number;
  unetRuns: number;
  /** Milliseconds inside the step graphs' `run` (window inputs, accumulation, Euler). */
  stepGraphRunMs: number;
  /** onnxruntime sessions created, and re-created after a failed run. */
  sessionsCreated: number;
  sessionsRecreated: number;
}
