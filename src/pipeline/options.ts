/**
 * The pipeline's settings: what the pack fixes (PipelineConfig, from the manifest) and the request
 * with MuseV's CLI defaults filled in (spec §1.7), so the loop never reads an optional field.
 */
import type { EulerConfig } from '../core/eulerDiscrete';
import type { GuidanceMethod } from '../core/guidance';
import type { NoiseType } from '../core/noise';
import type { ContextSchedule } from '../core/planWindows';
import type { FirstFrameMode, GenerateRequest, RgbaImage } from '../rpc/generatorApi';

export interface ClipImageConfig {
  /** CLIPImageProcessor size (shortest edge and center crop), 224 for ViT-H/14. */
  imageSize: number;
  mean: [number, number, number];
  std: [number, number, number];
}

export interface PipelineConfig {
  scheduler: EulerConfig;
  vaeScalingFactor: number;
  latentChannels: number;
  vaeDownscale: number;
  /** use_anivv1_cfg models multiply frame indices by motion_speed. */
  frameIndexUsesMotionSpeed: boolean;
  /**
   * Referencenet families: every UNet call takes IP tokens, ip_scale and ReferenceNet features
   * (spec §4.4, §4.5); needs the referenceNet, clipVision and imageProj networks and `clipImage`.
   */
  unetConditioning?: boolean;
  clipImage?: ClipImageConfig;
  /** IP tokens per image (ImageProjModel clip_extra_context_tokens, 4). */
  ipAdapterTokens?: number;
}

/** A GenerateRequest with every MuseV option resolved. */
export interface ResolvedRequest {
  image?: RgbaImage;
  prompt: string;
  negativePrompt: string;
  width: number;
  height: number;
  /** time_size: noisy frames per shot. */
  frames: number;
  contextFrames: number;
  contextOverlap: number;
  contextSchedule: ContextSchedule;
  contextStride: number;
  steps: number;
  guidanceScale: number;
  guidanceScaleEnd: number | null;
  guidanceMethod: GuidanceMethod;
  seed: number;
  motionSpeed: number;
  noiseType: NoiseType;
  wIndNoise: number;
  imageBasedNoise: boolean;
  imgWeight: number;
  nBatch: number;
  fixConditionImages: boolean;
  referImage?: RgbaImage;
  ipAdapterImage?: RgbaImage;
  ipAdapterScale: number;
  firstFrame: FirstFrameMode;
  firstFrameSteps: number;
  firstFrameGuidanceScale: number;
  /** MuseV's `negative_prompt` (first frame); the video uses `video_negative_prompt` = negativePrompt. */
  firstFrameNegativePrompt: string;
}

export function resolveRequest(r: GenerateRequest): ResolvedRequest {
  return {
    image: r.image,
    prompt: r.prompt,
    negativePrompt: r.negativePrompt,
    width: r.width,
    height: r.height,
    frames: r.frames,
    contextFrames: r.contextFrames,
    contextOverlap: r.contextOverlap,
    contextSchedule: r.contextSchedule ?? 'uniform_v2',
    contextStride: r.contextStride ?? 1,
    steps: r.steps,
    guidanceScale: r.guidanceScale,
    guidanceScaleEnd: r.guidanceScaleEnd ?? null,
    guidanceMethod: r.guidanceMethod ?? 'linear',
    seed: r.seed,
    motionSpeed: r.motionSpeed,
    noiseType: r.noiseType ?? 'video_fusion',
    wIndNoise: r.wIndNoise,
    imageBasedNoise: r.imageBasedNoise ?? true,
    imgWeight: r.imgWeight,
    nBatch: r.nBatch ?? 1,
    fixConditionImages: r.fixConditionImages ?? false,
    referImage: r.referImage,
    ipAdapterImage: r.ipAdapterImage,
    ipAdapterScale: r.ipAdapterScale ?? 1,
    firstFrame: r.firstFrame ?? 'image',
    firstFrameSteps: r.firstFrameSteps ?? 30,
    firstFrameGuidanceScale: r.firstFrameGuidanceScale ?? 7.5,
    firstFrameNegativePrompt: r.firstFrameNegativePrompt ?? r.negativePrompt,
  };
}
