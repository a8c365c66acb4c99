/**
 * MuseV text+image → video with Visual Conditioned Parallel Denoising (spec §0, §1, §2.5, §3, §4.9).
 *
 * Notation (spec §1.5):
 *   N          time_size, noisy frames generated after the condition frame
 *   h, w       latent size = H/8, W/8
 *   C          condition latent (1, 4, 1, h, w) = VAE mean(image) · scaling_factor; clean, never noised
 *   L          noisy latents (1, 4, N, h, w)
 *   E          text embeddings (2, 77, D) = [negative; prompt]
 *   W          windows: lists of frame indices into L (planWindows, uniform_v2), fixed for all steps
 *   sigma_i    Euler sigmas; eps: noise prediction; g_i: guidance at step i
 *
 * Phases:
 *   1. Text:   E = textEncoder([tokens(neg); tokens(prompt)])
 *   2. Image:  C = vaeEncoder(image) · scaling_factor
 *   3. Noise:  n = √(1−w)·n_common + √w·n_ind (video_fusion); n = √iw·mean_t(C) + √(1−iw)·n; L = n·σ_max
 *   4. Denoise, for every step i and window c:
 *        x = L[:, :, c] / √(σ_i² + 1), duplicated for CFG;  xin = concat_t([C, C], x)
 *        eps_c = unet(xin, t_i, E, frame_index)[:, :, 1:];  acc[c] += eps_c;  cnt[c] += 1
 *      eps = acc / cnt;  eps = eps_u + g_i (eps_c − eps_u);  L = L + (σ_{i+1} − σ_i)·eps
 *   5. Decode: frames = [C, L] decoded one at a time: x = vae(z / scaling_factor); (x/2 + 0.5).clamp(0, 1)
 */
import { EulerDiscreteScheduler, type EulerConfig } from '../core/eulerDiscrete';
import { guidanceSchedule, applyCfg } from '../core/guidance';
import { rgbaToTensor, tensorToRgba } from '../core/imageTensor';
import { concatFrames, divideByCount, gatherFrames, repeatBatch, scatterAddFrames } from '../core/latents';
import { Mt19937 } from '../core/mt19937';
import { applyImageBasedNoise, videoFusionNoise } from '../core/noise';
import { planWindows } from '../core/planWindows';
import type { ClipTokenizer } from '../core/clipTokenizer';
import type { GenerateRequest } from '../rpc/generatorApi';
import type { ProgressCallback } from '../rpc/progress';
import { encodePromptPair } from './encodePrompt';
import type { Networks, TensorF32 } from './networks';

export interface PipelineConfig {
  scheduler: EulerConfig;
  vaeScalingFactor: number;
  latentChannels: number;
  vaeDownscale: number;
  /** use_anivv1_cfg models multiply frame indices by motion_speed. */
  frameIndexUsesMotionSpeed: boolean;
}

export interface VideoOutput {
  /** 1 + N frames, condition frame first, RGBA. */
  frames: Uint8ClampedArray[];
  width: number;
  height: number;
  /** The final latents [C, L], (1, 4, 1 + N, h, w). */
  latents: TensorF32;
  timings: { denoiseMs: number; decodeMs: number; msPerStep: number };
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

function checkAbort(signal?: AbortSignal) {
  if (signal?.aborted) throw new CancelledError();
}

export async function generateVideo(
  nets: Networks,
  tokenizer: ClipTokenizer,
  cfg: PipelineConfig,
  req: GenerateRequest,
  onProgress: ProgressCallback,
  signal?: AbortSignal,
): Promise<VideoOutput> {
  const { width: W, height: H, frames: N } = req;
  const c4 = cfg.latentChannels;
  const h = H / cfg.vaeDownscale;
  const w = W / cfg.vaeDownscale;
  const doCfg = req.guidanceScale > 1;
  const B = doCfg ? 2 : 1;

  // 1. Text: E = [negative; prompt] (2, 77, D); without CFG only the prompt.
  onProgress({ type: 'stage', stage: 'encode-text' });
  const E = await encodePromptPair(nets.textEncoder, tokenizer, req.prompt, req.negativePrompt, { doCfg });
  checkAbort(signal);

  // 2. Image: C = mean · scaling_factor, (1, 4, 1, h, w).
  onProgress({ type: 'stage', stage: 'encode-image' });
  if (!req.image) throw new Error('generateVideo: a condition image is required');
  const image = { data: rgbaToTensor(req.image.rgba, W, H), shape: [1, 3, H, W] };
  const mean = await nets.vaeEncoder.encodeMean(image);
  const C: TensorF32 = { data: mean.data.map((v) => v * cfg.vaeScalingFactor), shape: [1, c4, 1, h, w] };
  checkAbort(signal);

  // 3. Scheduler and initial noise (spec §2.5): video_fusion, then the image-based term, × init_noise_sigma.
  const scheduler = new EulerDiscreteScheduler(cfg.scheduler);
  scheduler.setTimesteps(req.steps);
  const latentShape = [1, c4, N, h, w];
  const rng = new Mt19937(req.seed);
  let noise = videoFusionNoise({ shape: latentShape, wInd: req.wIndNoise, rng });
  noise = applyImageBasedNoise(noise, latentShape, C.data, C.shape, req.imgWeight);
  let L = noise.map((v) => v * scheduler.initNoiseSigma);

  // 4. Parallel denoising over fixed windows (spec §1.2-§1.5).
  const windows = planWindows({ frames: N, contextFrames: req.contextFrames, overlap: req.contextOverlap, schedule: 'uniform_v2' });
  const guidance = guidanceSchedule({ start: req.guidanceScale, stop: undefined, steps: req.steps, method: 'linear' });
  const condB = repeatBatch(C.data, C.shape, B);
  const condShape = [B, c4, 1, h, w];
  const accShape = [B, c4, N, h, w];
  onProgress({ type: 'stage', stage: 'denoise' });
  const t0 = performance.now();
  for (let i = 0; i < scheduler.timesteps.length; i++) {
    const t = scheduler.timesteps[i];
    const acc = new Float32Array(B * c4 * N * h * w);
    const count = new Float32Array(N);
    for (let k = 0; k < windows.length; k++) {
      const c = windows[k];
      onProgress({ type: 'window', step: i, steps: req.steps, window: k, windows: windows.length });
      const x = scheduler.scaleModelInput(gatherFrames(L, latentShape, c), i);
      const xB = repeatBatch(x, [1, c4, c.length, h, w], B);
      const xin = concatFrames(condB, condShape, xB, [B, c4, c.length, h, w]);
      const T = 1 + c.length;
      const frameIndex = Array.from({ length: T }, (_, j) => (cfg.frameIndexUsesMotionSpeed ? Math.trunc(j * req.motionSpeed) : j));
      const eps = await nets.unet.predict({ data: xin, shape: [B, c4, T, h, w] }, t, E, frameIndex);
      checkAbort(signal);
      // Drop the condition position, then accumulate into the window's frames.
      const epsNoisy = gatherFrames(eps.data, eps.shape, c.map((_, j) => j + 1));
      scatterAddFrames(acc, accShape, epsNoisy, c, count);
    }
    divideByCount(acc, accShape, count);
    const eps = doCfg ? applyCfg(acc, accShape, guidance[i]) : acc;
    L = scheduler.step(eps, i, L);
    onProgress({ type: 'step', step: i, steps: req.steps, msPerStep: (performance.now() - t0) / (i + 1) });
  }
  const denoiseMs = performance.now() - t0;

  // 5. Decode [C, L] frame by frame (VAE slicing), condition frame first.
  onProgress({ type: 'stage', stage: 'decode' });
  const all = concatFrames(C.data, C.shape, L, latentShape);
  const allShape = [1, c4, 1 + N, h, w];
  const frames: Uint8ClampedArray[] = [];
  const t1 = performance.now();
  for (let f = 0; f <= N; f++) {
    const z = gatherFrames(all, allShape, [f]).map((v) => v / cfg.vaeScalingFactor);
    const img = await nets.vaeDecoder.decode({ data: z, shape: [1, c4, h, w] });
    checkAbort(signal);
    const rgba = tensorToRgba(img.data, W, H);
    frames.push(rgba);
    onProgress({ type: 'frame', frame: f, frames: N + 1, width: W, height: H, rgba });
  }
  return {
    frames,
    width: W,
    height: H,
    latents: { data: all, shape: allShape },
    timings: { denoiseMs, decodeMs: performance.now() - t1, msPerStep: denoiseMs / req.steps },
  };
}
