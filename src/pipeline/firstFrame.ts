/**
 * The first frame when there is no usable condition image (spec §2.4, MuseV `run_pipe_text2video`):
 * the same pipeline at video_length 1 with the temporal layers skipped (the `unet_spatial` graph).
 *
 *   'generate' (text → image): L = n·σ_max, n = randn(1, 4, 1, h, w) (noise_type 'random')
 *   'redraw'   (img2img of the condition image): L = x0 + σ_max·n, x0 = VAE mean · scaling
 *              (`strength` is ignored, spec §2.6)
 * then `firstFrameSteps` (30) Euler steps with constant guidance `firstFrameGuidanceScale` (7.5),
 * MuseV's `negative_prompt`, no condition frame (one window [0]) and, for the referencenet families,
 * the refer/IP conditioning given by the caller. The final latent (1, 4, 1, h, w) becomes the
 * condition latent C of the video, not re-encoded from pixels.
 * The noise and the per-step scheduler draws come from the run's generator, before shot 0's.
 */
import { EulerDiscreteScheduler } from '../core/eulerDiscrete';
import { guidanceSchedule } from '../core/guidance';
import type { Mt19937 } from '../core/mt19937';
import type { ProgressCallback } from '../rpc/progress';
import { denoise } from './denoise';
import { img2imgLatents, noiseLatents } from './initialLatents';
import type { Networks, TensorF32, UnetConditioning } from './networks';
import type { PipelineConfig, ResolvedRequest } from './options';

export interface FirstFrameInput {
  nets: Networks;
  cfg: PipelineConfig;
  req: ResolvedRequest;
  /** Text embeddings of [negative_prompt; prompt] (or [prompt] without CFG). */
  E: TensorF32;
  /** 'redraw': the condition image's latent x0 (1, 4, 1, h, w). */
  x0?: TensorF32;
  conditioning?: UnetConditioning;
  rng: Mt19937;
  frameIndex(T: number): number[];
  onProgress: ProgressCallback;
  signal?: AbortSignal;
}

export async function firstFrameLatent(o: FirstFrameInput): Promise<TensorF32> {
  const { req, cfg } = o;
  const unet = o.nets.unetSpatial;
  if (!unet) throw new Error(`firstFrameLatent: the pack has no unet_spatial graph, needed for firstFrame '${req.firstFrame}'`);
  const shape = [1, cfg.latentChannels, 1, req.height / cfg.vaeDownscale, req.width / cfg.vaeDownscale];
  const scheduler = new EulerDiscreteScheduler(cfg.scheduler);
  const steps = req.firstFrameSteps;
  scheduler.setTimesteps(steps);
  const noise = { shape, noiseType: 'random' as const, wIndNoise: req.wIndNoise, rng: o.rng };
  let latents: Float32Array;
  if (req.firstFrame === 'redraw') {
    if (!o.x0) throw new Error('firstFrameLatent: redraw needs the condition latent x0');
    latents = img2imgLatents({ ...noise, x0: o.x0.data, sigmaMax: scheduler.sigmas[0] });
  } else {
    latents = noiseLatents({ ...noise, initNoiseSigma: scheduler.initNoiseSigma });
  }
  const g = req.firstFrameGuidanceScale;
  o.onProgress({ type: 'stage', stage: 'denoise', message: req.firstFrame === 'redraw' ? 'Redrawing the first frame' : 'Generating the first frame' });
  const L = await denoise({
    unet,
    scheduler,
    latents,
    shape,
    E: o.E,
    windows: [[0]],
    guidance: guidanceSchedule({ start: g, stop: null, steps }),
    doCfg: g > 1,
    frameIndex: o.frameIndex,
    conditioning: o.conditioning,
    stepNoise: { type: 'random', rng: o.rng },
    onWindow: (step, window) => o.onProgress({ type: 'window', step, steps, window, windows: 1, firstFrame: true }),
    onStep: (step, msPerStep) => o.onProgress({ type: 'step', step, steps, msPerStep, firstFrame: true }),
    signal: o.signal,
  });
  return { data: L, shape };
}
