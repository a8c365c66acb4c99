/**
 * Checks a generation request against the pack before any work starts, so a bad setting gets a
 * message naming the field instead of a runtime error deep inside onnxruntime.
 */
import { MIN_BUDGET_BYTES } from '../core/memoryPlan';
import type { GenerateRequest, RgbaImage } from '../rpc/generatorApi';

export interface RequestLimits {
  /** Pixel sizes must be multiples of this (vae downscale × latent multiple, 64 for SD1.5). */
  pixelMultiple: number;
}

export function requestProblems(r: GenerateRequest, limits: RequestLimits): string[] {
  const p: string[] = [];
  const int = (v: number, name: string, min: number) => {
    if (!Number.isInteger(v) || v < min) p.push(`${name} must be a whole number of at least ${min} (got ${v}).`);
  };
  int(r.width, 'Width', limits.pixelMultiple);
  int(r.height, 'Height', limits.pixelMultiple);
  if (r.width % limits.pixelMultiple || r.height % limits.pixelMultiple)
    p.push(`Width and height must be multiples of ${limits.pixelMultiple} (got ${r.width}x${r.height}).`);
  int(r.frames, 'Frames', 1);
  int(r.contextFrames, 'Context frames', 1);
  int(r.contextOverlap, 'Context overlap', 0);
  if (r.contextOverlap >= r.contextFrames) p.push(`Context overlap (${r.contextOverlap}) must be smaller than context frames (${r.contextFrames}).`);
  int(r.steps, 'Steps', 1);
  if (!(r.guidanceScale >= 0 && r.guidanceScale <= 50)) p.push(`Guidance must be between 0 and 50 (got ${r.guidanceScale}).`);
  if (!Number.isInteger(r.seed) || r.seed < 0 || r.seed > 0xffffffff) p.push(`Seed must be a whole number from 0 to 4294967295 (got ${r.seed}).`);
  if (!(r.fps > 0 && r.fps <= 120)) p.push(`FPS must be between 1 and 120 (got ${r.fps}).`);
  if (!(r.motionSpeed > 0)) p.push(`Motion speed must be positive (got ${r.motionSpeed}).`);
  if (!(r.wIndNoise >= 0 && r.wIndNoise <= 1)) p.push(`w_ind_noise must be between 0 and 1 (got ${r.wIndNoise}).`);
  if (!(r.imgWeight >= 0 && r.imgWeight <= 1)) p.push(`img_weight must be between 0 and 1 (got ${r.imgWeight}).`);
  // MuseV's inference options (spec §1.7); undefined means MuseV's default.
  const oneOf = <T extends string>(v: T | undefined, name: string, allowed: readonly T[]) => {
    if (v !== undefined && !allowed.includes(v)) p.push(`${name} must be one of ${allowed.join(', ')} (got ${String(v)}).`);
  };
  oneOf(r.contextSchedule, 'Context schedule', ['uniform_v2', 'uniform']);
  if (r.contextStride !== undefined) int(r.contextStride, 'Context stride', 1);
  if (r.guidanceScaleEnd != null && !(r.guidanceScaleEnd >= 0 && r.guidanceScaleEnd <= 50))
    p.push(`Guidance end must be between 0 and 50 (got ${r.guidanceScaleEnd}).`);
  oneOf(r.guidanceMethod, 'Guidance method', ['linear', 'two_stage', 'three_stage', 'fix_two_stage']);
  oneOf(r.noiseType, 'Noise type', ['video_fusion', 'random']);
  if (r.imageBasedNoise !== undefined && typeof r.imageBasedNoise !== 'boolean') p.push(`Image-based noise must be on or off (got ${String(r.imageBasedNoise)}).`);
  if (r.nBatch !== undefined) int(r.nBatch, 'Shots (n_batch)', 1);
  if (r.fixConditionImages !== undefined && typeof r.fixConditionImages !== 'boolean') p.push(`Fix condition images must be on or off (got ${String(r.fixConditionImages)}).`);
  if (r.ipAdapterScale !== undefined && !(r.ipAdapterScale >= 0 && r.ipAdapterScale <= 10)) p.push(`IP-Adapter scale must be between 0 and 10 (got ${r.ipAdapterScale}).`);
  if (r.ipAdapterFaceScale !== undefined && !(r.ipAdapterFaceScale >= 0 && r.ipAdapterFaceScale <= 10)) p.push(`Face scale must be between 0 and 10 (got ${r.ipAdapterFaceScale}).`);
  if (r.memoryBudgetBytes !== undefined && !(r.memoryBudgetBytes >= MIN_BUDGET_BYTES)) p.push(`The GPU memory budget must be at least ${MIN_BUDGET_BYTES / 2 ** 30} GiB (got ${r.memoryBudgetBytes} bytes).`);
  if (r.unetPlan !== undefined) int(r.unetPlan.windowsPerCall, 'Windows per UNet call', 1);
  oneOf(r.firstFrame, 'First frame', ['image', 'generate', 'redraw']);
  if (r.firstFrameSteps !== undefined) int(r.firstFrameSteps, 'First-frame steps', 1);
  if (r.firstFrameGuidanceScale !== undefined && !(r.firstFrameGuidanceScale >= 0 && r.firstFrameGuidanceScale <= 50))
    p.push(`First-frame guidance must be between 0 and 50 (got ${r.firstFrameGuidanceScale}).`);
  if (r.firstFrame === 'generate' && r.frames < 2)
    p.push(`Frames must be at least 2 when the first frame is generated (the first shot makes frames − 1 after it; got ${r.frames}).`);

  const sized = (img: RgbaImage | undefined) => !!img && img.width === r.width && img.height === r.height && img.rgba.length === r.width * r.height * 4;
  if (r.firstFrame === 'generate') {
    if (r.image && !sized(r.image)) p.push(`The condition image must be resized to ${r.width}x${r.height} RGBA before generating.`);
  } else if (!sized(r.image)) {
    p.push(
      r.image
        ? `The condition image must be resized to ${r.width}x${r.height} RGBA before generating.`
        : `A condition image is needed (or set the first frame to 'generate' to make it from the prompt).`,
    );
  }
  if (r.referImage && !sized(r.referImage)) p.push(`The refer image must be resized to ${r.width}x${r.height} RGBA before generating.`);
  if (r.ipAdapterImage && !sized(r.ipAdapterImage)) p.push(`The IP-Adapter image must be resized to ${r.width}x${r.height} RGBA before generating.`);
  if (r.faceImage && !sized(r.faceImage)) p.push(`The face image must be resized to ${r.width}x${r.height} RGBA before generating.`);
  return p;
}
