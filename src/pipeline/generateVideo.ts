/**
 * MuseV text+image → video with Visual Conditioned Parallel Denoising (spec §0-§4), the whole
 * `run_pipe_text2video`: optional first frame, n_batch shots chained end to end, decoding.
 *
 * Notation (spec §1.5):
 *   N          time_size, noisy frames per shot;  h, w  latent size = H/8, W/8
 *   C          condition latent (1, 4, 1, h, w): VAE mean(image) · scaling_factor, or the first-frame
 *              pipeline's final latent, or (shots k ≥ 1) the previous shot's last latent; clean, never noised
 *   L          noisy latents of one shot (1, 4, N, h, w)
 *   E          text embeddings (2, 77·k, D) = [video negative prompt; prompt];  E1 the first frame's
 *   P, R       IP tokens and ReferenceNet features (referencenet families; imageConditioning.ts)
 *   F          IP-Adapter FaceID face tokens (FaceID packs, any family; faceConditioning.ts), from the
 *              face image (default: the condition image), fixed for every shot (fixed_refer_face_image)
 *   rng        ONE torch-compatible generator for the whole run: first-frame noise and step draws,
 *              then every shot's noise and step draws, in MuseV's order
 *
 * Phases:
 *   1. Text:   E = textEncoder([neg; prompt]); E1 likewise with the first frame's negative prompt
 *   2. Image:  C = vaeEncoder(image) · scaling_factor                      (firstFrame 'image')
 *   3. First frame (spec §2.4): C = text→image or redraw at T = 1 (firstFrame.ts); the decoded frame
 *      becomes the refer / IP image (generate: when none was given; redraw: always) and, after a
 *      redraw, the face image (MuseV replaces refer_face_image only then: a generated first frame
 *      leaves a missing face image missing)
 *   4. Image conditioning (referencenet families): P = image_proj(clip(ip image)), R = ReferenceNet(z_ref);
 *      FaceID: F = face_proj(arcface(face image)); the first frame used F of the face image as given
 *   5. Shots k = 0 … n_batch − 1 (spec §1.6):
 *        L = n·σ_max with n = video_fusion | random noise, + √iw·mean_t(C) (image-based noise)
 *        L = denoise(L; C, E, P, R, windows, g_i)                                     (denoise.ts)
 *        keep [C, L] for shot 0, L for later shots;  C ← L[:, :, −1] unless fixConditionImages
 *      Shot 0 makes N − 1 frames after a generated first frame, so the first shot still has N frames.
 *   6. Decode the kept latents, vaeFramesPerCall frames per VAE call (the planner's; MuseV decodes one
 *      at a time): x = vae(z / scaling_factor); (x/2 + 0.5).clamp(0, 1)
 *
 * Checkpoints: with `onCheckpoint`, the run reports where it stands at the start of every shot and
 * after every completed step (RunCheckpoint: L, C, the finished shots, the generator's state, the
 * plan). A request with `resume` continues from such a checkpoint (after a lost GPU device, in a new
 * worker): text and image conditioning are computed again (deterministic), the first frame is not
 * made again, and the shot goes on from its step with the saved L and generator, so the result is
 * the uninterrupted run's. The resumed run takes a smaller plan (memoryPlan.shrinkUnetPlan).
 */
import { EulerDiscreteScheduler } from '../core/eulerDiscrete';
import { guidanceSchedule } from '../core/guidance';
import { describeUnetPlan, groupWindows, shrinkUnetPlan, type PlanInput, type UnetPlan } from '../core/memoryPlan';
import { concatFrames, gatherFrames } from '../core/latents';
import { Mt19937 } from '../core/mt19937';
import { planWindows } from '../core/planWindows';
import type { ClipTokenizer } from '../core/clipTokenizer';
import type { GenerateRequest, PlanEstimate, RunCheckpoint, RunPlan } from '../rpc/generatorApi';
import type { ProgressCallback } from '../rpc/progress';
import { checkAbort } from './cancel';
import { decodeFrames } from './decodeFrames';
import { denoise } from './denoise';
import { encodePromptPair } from './encodePrompt';
import { firstFrameLatent } from './firstFrame';
import { faceConditioningFor } from './faceConditioning';
import { conditioningFor } from './imageConditioning';
import { decodeLatent, encodeLatent, pixelsFromDecoded, pixelsFromRgba, type PixelImage } from './images';
import { noiseLatents } from './initialLatents';
import type { Networks, TensorF32, UnetConditioning } from './networks';
import { resolveRequest, type PipelineConfig } from './options';

export { CancelledError } from './cancel';
export type { PipelineConfig } from './options';

export interface VideoOutput {
  /** All output frames, RGBA: 1 + n_batch·N with a condition image, n_batch·N after a generated first frame. */
  frames: Uint8ClampedArray[];
  width: number;
  height: number;
  /** The kept latents of every shot, in output order, (1, 4, frames, h, w). */
  latents: TensorF32;
  timings: { denoiseMs: number; decodeMs: number; msPerStep: number };
  /** The memory plan of shot 0 (what the planner chose), and the plan the last shot ran with. */
  plan?: RunPlan;
}


/** What a memory planner needs to know about one shot's UNet calls (src/core/memoryPlan.ts). */
export type UnetCallFacts = Pick<PlanInput, 'latentHeight' | 'latentWidth' | 'windowLengths' | 'cfg' | 'contextTokens' | 'frames'>;

/**
 * Chooses windows per UNet call and CFG halves together/apart, and frames per VAE decoder call
 * (default 1); `summary` is logged with the run.
 */
export type UnetPlanner = (facts: UnetCallFacts) => { plan: UnetPlan; summary: string; estimate?: PlanEstimate; vaeFramesPerCall?: number };


export async function generateVideo(
  nets: Networks,
  tokenizer: ClipTokenizer,
  cfg: PipelineConfig,
  request: GenerateRequest,
  onProgress: ProgressCallback,
  signal?: AbortSignal,
  planUnet?: UnetPlanner,
  onCheckpoint?: (checkpoint: RunCheckpoint) => void,
): Promise<VideoOutput> {
  const req = resolveRequest(request);
  const { width: W, height: H } = req;
  const c4 = cfg.latentChannels;
  const h = H / cfg.vaeDownscale;
  const w = W / cfg.vaeDownscale;
  const doCfg = req.guidanceScale > 1;
  const frameIndex = (T: number) => Array.from({ length: T }, (_, j) => (cfg.frameIndexUsesMotionSpeed ? Math.trunc(j * req.motionSpeed) : j));
  const resume = req.resume;
  const rng = resume ? Mt19937.fromState(resume.rng) : new Mt19937(req.seed);

  // 1. Text: E = [video negative prompt; prompt]; E1 = [negative prompt; prompt] for the first frame.
  onProgress({ type: 'stage', stage: 'encode-text' });
  // Prompts over 225 tokens are truncated (spec §8); the user is told through a 'log' event.
  const onWarning = (message: string) => onProgress({ type: 'log', level: 'warn', message });
  const E = await encodePromptPair(nets.textEncoder, tokenizer, req.prompt, req.negativePrompt, { doCfg, onWarning });
  const doCfg1 = req.firstFrameGuidanceScale > 1;
  const sameText = req.firstFrameNegativePrompt === req.negativePrompt && doCfg1 === doCfg;
  const E1 =
    req.firstFrame === 'image' ? undefined : sameText ? E : await encodePromptPair(nets.textEncoder, tokenizer, req.prompt, req.firstFrameNegativePrompt, { doCfg: doCfg1, onWarning });
  checkAbort(signal);

  // 2. Image: C = mean · scaling_factor, (1, 4, 1, h, w).
  onProgress({ type: 'stage', stage: 'encode-image' });
  const image = req.image ? pixelsFromRgba(req.image) : undefined;
  let refer: PixelImage | undefined = req.referImage ? pixelsFromRgba(req.referImage) : undefined;
  let ip: PixelImage | undefined = req.ipAdapterImage ? pixelsFromRgba(req.ipAdapterImage) : undefined;
  // FaceID: the face image, by default the condition image (MuseV test_data_refer_face_image).
  let face: PixelImage | undefined = req.faceImage ? pixelsFromRgba(req.faceImage) : image;
  const faceCache = new Map<PixelImage, Float32Array>();
  const withFace = async (c: UnetConditioning | undefined, Eb: TensorF32, faceImage: PixelImage | undefined) => {
    const f = await faceConditioningFor(nets.face, cfg, { image: faceImage, scale: req.ipAdapterFaceScale, B: Eb.shape[0], D: Eb.shape[2] }, faceCache);
    return f ? { ...c, ...f } : c;
  };
  let C: TensorF32;
  let firstLatent: Float32Array | undefined; // phase 3's, kept in checkpoints
  if (!resume && (req.firstFrame === 'image' || req.firstFrame === 'redraw')) {
    if (!image) throw new Error(`generateVideo: firstFrame '${req.firstFrame}' needs a condition image`);
    C = await encodeLatent(nets.vaeEncoder, image, cfg.vaeScalingFactor);
    checkAbort(signal);
  }

  // 3. First frame (spec §2.4): text → image, or redraw of the condition image, at T = 1.
  if (req.firstFrame !== 'image') {
    const redraw = req.firstFrame === 'redraw';
    const make = async () => {
      const conditioning = await withFace(
        cfg.unetConditioning
          ? await conditioningFor(nets, cfg, { refer: refer ?? (redraw ? image : undefined), ip: ip ?? (redraw ? image : undefined), E: E1!, ipScale: req.ipAdapterScale })
          : undefined,
        E1!,
        face,
      );
      return firstFrameLatent({ nets, cfg, req, E: E1!, x0: redraw ? C! : undefined, conditioning, rng, frameIndex, onProgress, signal });
    };
    C = resume?.firstFrame ? { data: resume.firstFrame, shape: [1, c4, 1, h, w] } : await make();
    firstLatent = C.data;
    const frame = pixelsFromDecoded(await decodeLatent(nets.vaeDecoder, C.data, [1, c4, h, w], cfg.vaeScalingFactor), W, H);
    checkAbort(signal);
    refer = redraw ? frame : (refer ?? frame);
    ip = redraw ? frame : (ip ?? frame);
    if (redraw && face) face = frame;
  }
  refer ??= image;
  ip ??= image;

  // 4. Image conditioning of the video (referencenet families), fixed for every shot.
  const conditioning = await withFace(cfg.unetConditioning ? await conditioningFor(nets, cfg, { refer, ip, E, ipScale: req.ipAdapterScale }) : undefined, E, face);
  checkAbort(signal);

  // 5. Shots, chained end to end (spec §1.6).
  const shots = req.nBatch;
  const kept: { data: Float32Array; t: number }[] = resume ? [...resume.kept] : [];
  let denoiseMs = 0;
  // A plan made smaller after running out of memory (or after a lost device: resume) holds for later shots.
  let shrunk: UnetPlan | undefined = resume?.plan && (shrinkUnetPlan(resume.plan, doCfg) ?? resume.plan);
  let runPlan: RunPlan | undefined;
  let vaeFramesPerCall = 1;
  const firstShot = resume?.shot ?? 0;
  if (resume) {
    C = { data: resume.cond, shape: [1, c4, 1, h, w] };
    const where = resume.shot < shots ? `step ${resume.step + 1} of shot ${resume.shot + 1}` : 'decoding';
    onProgress({ type: 'log', level: 'warn', message: `The GPU device was lost; the run resumed at ${where} on a new device${shrunk ? ` with ${describeUnetPlan(shrunk)}` : ''}.` });
  }
  const checkpoint = (shot: number, step: number, latents: Float32Array) =>
    onCheckpoint?.({
      shot, step, latents, cond: C!.data, firstFrame: firstLatent, kept: [...kept], rng: rng.getState(),
      plan: shrunk ?? runPlan?.planned, resumes: (resume?.resumes ?? 0) + (resume ? 1 : 0),
    });
  for (let k = firstShot; k < shots; k++) {
    const N = k === 0 && req.firstFrame === 'generate' ? req.frames - 1 : req.frames;
    const shape = [1, c4, N, h, w];
    const scheduler = new EulerDiscreteScheduler(cfg.scheduler);
    scheduler.setTimesteps(req.steps);
    const resumed = resume && k === resume.shot;
    const latents = resumed
      ? resume.latents
      : noiseLatents({
          shape, noiseType: req.noiseType, wIndNoise: req.wIndNoise, rng, initNoiseSigma: scheduler.initNoiseSigma,
          imageBased: req.imageBasedNoise ? { cond: C!, imgWeight: req.imgWeight } : undefined,
        });
    const windows = planWindows({ frames: N, contextFrames: req.contextFrames, overlap: req.contextOverlap, schedule: req.contextSchedule, contextStride: req.contextStride });
    onProgress({ type: 'stage', stage: 'denoise', message: shots > 1 ? `Shot ${k + 1} of ${shots}` : undefined });
    const facts = { latentHeight: h, latentWidth: w, windowLengths: windows.map((c) => c.length), cfg: doCfg, contextTokens: E.shape[1], frames: N };
    const planned = planUnet?.(facts);
    if (planned && k === firstShot) {
      vaeFramesPerCall = planned.vaeFramesPerCall ?? 1;
      onProgress({ type: 'plan', summary: planned.summary, ...planned.plan });
      onProgress({ type: 'log', level: 'info', message: `Memory plan: ${planned.summary}` });
      const groups = groupWindows(facts.windowLengths, planned.plan.windowsPerCall);
      const callsPerStep = groups.length * (doCfg && !planned.plan.cfgTogether ? 2 : 1);
      // windows per call as run: a plan may allow more than the clip has
      const plan = { ...planned.plan, windowsPerCall: Math.max(...groups.map((g) => g.length)) };
      runPlan = { planned: plan, final: shrunk ?? plan, callsPerStep, summary: planned.summary, estimate: planned.estimate };
      // after a lost device the smaller plan is the one in force (shown after the planner's choice)
      if (shrunk) onProgress({ type: 'plan', summary: `After a lost GPU device: ${describeUnetPlan(shrunk)}`, ...shrunk, shrunk: true });
    }
    const unetPlan = shrunk ?? planned?.plan;
    if (!resumed) checkpoint(k, 0, latents);
    const t0 = performance.now();
    const L = await denoise({
      unetPlan,
      startStep: resumed ? resume.step : 0,
      onCheckpoint: onCheckpoint && ((step, L) => checkpoint(k, step, L)),
      onPlanShrunk: (step, plan) => {
        shrunk = plan;
        if (runPlan) runPlan.final = plan;
        const message = `The GPU ran out of memory at step ${step + 1}; retrying that step with ${describeUnetPlan(plan)}.`;
        onProgress({ type: 'plan', summary: message, ...plan, shrunk: true });
        onProgress({ type: 'log', level: 'warn', message });
      },
      unet: nets.unet, scheduler, latents, shape, E, cond: C!, windows, doCfg, frameIndex, conditioning,
      guidance: guidanceSchedule({ start: req.guidanceScale, stop: req.guidanceScaleEnd, steps: req.steps, method: req.guidanceMethod }),
      stepNoise: { type: req.noiseType, rng },
      onWindow: (step, window) => onProgress({ type: 'window', step, steps: req.steps, window, windows: windows.length, shot: k, shots }),
      onStep: (step, msPerStep) => onProgress({ type: 'step', step, steps: req.steps, msPerStep, shot: k, shots }),
      signal,
    });
    denoiseMs += performance.now() - t0;
    kept.push(k === 0 ? { data: concatFrames(C!.data, C!.shape, L, shape), t: N + 1 } : { data: L, t: N });
    if (!req.fixConditionImages) C = { data: gatherFrames(L, shape, [N - 1]), shape: [1, c4, 1, h, w] };
  }
  if (firstShot < shots) checkpoint(shots, 0, new Float32Array(0)); // every shot done: only decoding is left

  // 6. Decode the kept frames, vaeFramesPerCall at a time, in output order.
  onProgress({ type: 'stage', stage: 'decode' });
  const total = kept.reduce((s, x) => s + x.t, 0);
  const all = new Float32Array(c4 * total * h * w);
  const allShape = [1, c4, total, h, w];
  let offset = 0;
  for (const part of kept) {
    const plane = h * w;
    for (let ch = 0; ch < c4; ch++) all.set(part.data.subarray(ch * part.t * plane, (ch + 1) * part.t * plane), (ch * total + offset) * plane);
    offset += part.t;
  }
  const t1 = performance.now();
  const frames = await decodeFrames({
    vae: nets.vaeDecoder, latents: all, shape: allShape, scalingFactor: cfg.vaeScalingFactor, width: W, height: H, framesPerCall: vaeFramesPerCall, signal,
    onFrame: (f, rgba) => onProgress({ type: 'frame', frame: f, frames: total, width: W, height: H, rgba }),
    onShrink: (n) => onProgress({ type: 'log', level: 'warn', message: `The GPU ran out of memory while decoding; now ${n} frame${n === 1 ? '' : 's'} per VAE call.` }),
  });
  return {
    frames,
    width: W,
    height: H,
    latents: { data: all, shape: allShape },
    timings: { denoiseMs, decodeMs: performance.now() - t1, msPerStep: denoiseMs / (req.steps * shots) },
    plan: runPlan,
  };
}
