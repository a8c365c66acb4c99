/**
 * Checks a generation request against the pack before any work starts, so a bad setting gets a
 * message naming the field instead of a runtime error deep inside onnxruntime.
 */
import type { GenerateRequest } from '../rpc/generatorApi';

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
  const img = r.image;
  if (!img || img.width !== r.width || img.height !== r.height || img.rgba.length !== r.width * r.height * 4)
    p.push(`The condition image must be resized to ${r.width}x${r.height} RGBA before generating.`);
  return p;
}
