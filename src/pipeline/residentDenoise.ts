/**
 * An optional capability of a DenoiserNet: run the whole denoising loop of one shot where the UNet
 * lives (the GPU), keeping L, the window inputs, the noise predictions and the averaged eps there
 * between steps, and reading L back only when asked (src/runtime/residentLoop.ts implements it with
 * onnxruntime-web GPU tensors and the small graphs of models/musev_export/step_graphs.py).
 *
 * The numbers are those of denoise.ts's CPU loop (same notation): for step i,
 *   sample_c = concat_t(C, L[:, :, c] / √(σ_i² + 1)) · B;  eps_c = unet(sample_c, t_i, …)[:, :, nv:]
 *   eps = Σ_c scatter(eps_c) / count;  e = eps_u + g_i (eps_c − eps_u);  L ← L + (σ_{i+1} − σ_i)·e
 * The pipeline keeps the step loop (progress, abort, out-of-memory retry with a smaller plan); a
 * failed step leaves the shot's L as it was before that step.
 */
import type { UnetPlan } from '../core/memoryPlan';
import type { TensorF32, UnetConditioning } from './networks';

export interface ResidentShotInput {
  /** Initial L (1, 4, N, h, w). */
  latents: Float32Array;
  shape: number[];
  /** Text embeddings (B, L, D). */
  E: TensorF32;
  /** Clean condition latent (1, 4, 1, h, w), or none (first frame). */
  cond?: TensorF32;
  windows: number[][];
  doCfg: boolean;
  frameIndex(T: number): number[];
  conditioning?: UnetConditioning;
  /** t_0 … t_{n−1}. */
  timesteps: ArrayLike<number>;
  /** σ_0 … σ_n (σ_n = 0). */
  sigmas: ArrayLike<number>;
  /** g_0 … g_{n−1}. */
  guidance: number[];
}

export interface ResidentShot {
  /**
   * Step i with `plan`: every window's UNet call, the averaging, CFG and the Euler update, all on
   * the device. `onCall` runs after each UNet call (progress, abort). Throws like DenoiserNet.predict.
   */
  step(i: number, plan: UnetPlan, onWindow: (window: number) => void, afterCall: () => void): Promise<void>;
  /** L as it is now (one read-back of N·4·h·w floats). */
  read(): Promise<Float32Array>;
  /** Frees every device tensor the shot holds. */
  dispose(): void;
}

export interface ResidentDenoiser {
  start(input: ResidentShotInput): Promise<ResidentShot>;
}
