/**
 * The pipeline's settings: what the pack fixes (PipelineConfig, from the manifest) and the request
 * with MuseV's CLI defaults filled in (spec §1.7), so the loop never reads an optional field.
 */
import type { EulerConfig } from '../core/eulerDiscrete';
import type { FaceAnalysisConfig } from '../core/faceDetect';
import type { GenerateRequest } from '../rpc/generatorApi';

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
  /**
   * IP-Adapter FaceID packs (any family): insightface's constants; every UNet call then takes face
   * tokens and face_scale; needs `Networks.face`.
   */
  faceAnalysis?: FaceAnalysisConfig;
  /** Face tokens per face (MLPProjModel num_tokens). */
  faceTokens?: number;
}

type ImageFields = 'image' | 'referImage' | 'ipAdapterImage' | 'faceImage';
/** How the worker runs the pipeline (memory planning), not what it computes: no defaults here. */
type RunFields = 'memoryBudgetBytes' | 'unetPlan' | 'residentLoop' | 'resume';

/**
 * A GenerateRequest with every MuseV option resolved to its CLI default (spec §1.7): images stay
 * optional; guidanceScaleEnd null = constant guidance; firstFrameNegativePrompt is MuseV's
 * `negative_prompt` (first frame), while the video uses `video_negative_prompt` = negativePrompt.
 */
export type ResolvedRequest = Required<Omit<GenerateRequest, ImageFields | RunFields | 'guidanceScaleEnd'>> &
  Pick<GenerateRequest, ImageFields | RunFields> & { guidanceScaleEnd: number | null };

export function resolveRequest(r: GenerateRequest): ResolvedRequest {
  return {
    ...r,
    contextSchedule: r.contextSchedule ?? 'uniform_v2',
    contextStride: r.contextStride ?? 1,
    guidanceScaleEnd: r.guidanceScaleEnd ?? null,
    guidanceMethod: r.guidanceMethod ?? 'linear',
    noiseType: r.noiseType ?? 'video_fusion',
    imageBasedNoise: r.imageBasedNoise ?? true,
    nBatch: r.nBatch ?? 1,
    fixConditionImages: r.fixConditionImages ?? false,
    ipAdapterScale: r.ipAdapterScale ?? 1,
    ipAdapterFaceScale: r.ipAdapterFaceScale ?? 1,
    firstFrame: r.firstFrame ?? 'image',
    firstFrameSteps: r.firstFrameSteps ?? 30,
    firstFrameGuidanceScale: r.firstFrameGuidanceScale ?? 7.5,
    firstFrameNegativePrompt: r.firstFrameNegativePrompt ?? r.negativePrompt,
  };
}
