/**
 * Initial latents of one pipeline call, MuseV `prepare_latents` (spec §2.5, §2.6).
 *
 * Notation:
 *   shape  (1, 4, T, h, w) of the noisy latents L
 *   n      noise: 'random' = randn(shape); 'video_fusion' = √(1−w)·n_common + √w·n_ind
 *   C      condition latent (1, 4, 1, h, w) when the call has one
 *   iw     img_weight; image-based noise n ← √iw·mean_t(C) + √(1−iw)·n, only with C and no init image
 *   σ_max  sigmas[0]
 * Text/image → video: L = n · init_noise_sigma.
 * Img2img (first-frame redraw): L = x0 + σ_max·n with x0 = VAE mean · scaling of the image; the
 *   scheduler's add_noise at t_0 (no init_noise_sigma, `strength` ignored, spec §2.6).
 * The noise is drawn from the run's one generator, so later calls continue the same stream.
 */
import type { Mt19937 } from '../core/mt19937';
import { applyImageBasedNoise, initialNoise, type NoiseType } from '../core/noise';
import type { TensorF32 } from './networks';

export interface NoiseOptions {
  shape: number[];
  noiseType: NoiseType;
  wIndNoise: number;
  rng: Mt19937;
}

/** L = n·init_noise_sigma, with the image-based term when `imageBased` gives C and img_weight. */
export function noiseLatents(o: NoiseOptions & { initNoiseSigma: number; imageBased?: { cond: TensorF32; imgWeight: number } }): Float32Array {
  let n: Float32Array = initialNoise({ type: o.noiseType, shape: o.shape, wInd: o.wIndNoise, rng: o.rng });
  if (o.imageBased) n = applyImageBasedNoise(n, o.shape, o.imageBased.cond.data, o.imageBased.cond.shape, o.imageBased.imgWeight);
  const s = o.initNoiseSigma;
  return n.map((v) => v * s);
}

/** L = x0 + σ_max·n (scheduler.add_noise at the first timestep). x0 has the latents' shape. */
export function img2imgLatents(o: NoiseOptions & { x0: Float32Array; sigmaMax: number }): Float32Array {
  const n = initialNoise({ type: o.noiseType, shape: o.shape, wInd: o.wIndNoise, rng: o.rng });
  if (o.x0.length !== n.length) throw new Error(`img2imgLatents: x0 has ${o.x0.length} values, the latents ${n.length}`);
  const s = Math.fround(o.sigmaMax);
  const out = new Float32Array(n.length);
  for (let k = 0; k < n.length; k++) out[k] = o.x0[k] + Math.fround(n[k] * s);
  return out;
}
