/**
 * Per-run counters in GenerateResult.timings.counters, for the benchmark (src/runtime/runCounters.ts
 * fills them): what crossed from the GPU to the CPU, and time inside onnxruntime.
 */
export interface RunCounters {
  /** Bytes moved GPU → CPU by WebGPU sessions (0 on wasm). */
  bytesReadBack: number;
  /** Of those, bytes of UNet outputs (noise_pred: every call in the CPU loop, none in the resident loop). */
  unetBytesReadBack: number;
  /** Of those, the latents the GPU-resident loop read back at the end of each shot. */
  latentBytesReadBack: number;
  /**
   * Milliseconds of wall time during which at least one read from the GPU was pending (getData:
   * includes the GPU work still queued before it). Overlapping reads count once (the union of the
   * waits, not their sum), so this never exceeds the run's wall time.
   */
  readBackMs: number;
  /** Bytes read back during each denoising step of the GPU-resident loop, in order (all shots). */
  stepBytesReadBack: number[];
  /**
   * Milliseconds inside the UNet sessions' `run`, and how many runs. With outputs left on the GPU
   * `run` returns once the work is queued: the GPU time then shows up in readBackMs.
   */
  unetRunMs: number;
  unetRuns: number;
  /** Milliseconds inside the step graphs' `run` (window inputs, accumulation, Euler). */
  stepGraphRunMs: number;
  /** onnxruntime sessions created, and re-created after a failed run. */
  sessionsCreated: number;
  sessionsRecreated: number;
}
