import type { AppError } from '../rpc/errors';
import type { GenerateRequest, RgbaImage } from '../rpc/generatorApi';
import type { LoadedImage } from './image';
import type { PackFeatures } from './packFeatures';
import { firstFrameUnavailableReason } from './packFeatures';
import { hasErrors, validateSettings, type Settings } from './settings';

/** The images the store holds for a generation (null = not given). */
export interface RequestImages {
  image: LoadedImage | null;
  referImage: LoadedImage | null;
  ipAdapterImage: LoadedImage | null;
  /** IP-Adapter FaceID face image (FaceID packs); absent from older callers = none. */
  faceImage?: LoadedImage | null;
}

export type CropResize = (image: LoadedImage, width: number, height: number) => Uint8ClampedArray;

const LABELS: Partial<Record<keyof Settings, string>> = {
  frames: 'frames', contextFrames: 'context frames', contextOverlap: 'context overlap', steps: 'steps',
  guidanceScale: 'guidance', seed: 'seed', fps: 'fps', width: 'width', height: 'height',
  motionSpeed: 'motion speed', wIndNoise: 'independent noise', imgWeight: 'image weight',
  prompt: 'prompt', negativePrompt: 'negative prompt', backend: 'backend', videoFormat: 'video format', videoEncoder: 'encoder',
  contextSchedule: 'context schedule', contextStride: 'context stride', guidanceScaleEnd: 'guidance end',
  guidanceMethod: 'guidance method', noiseType: 'noise type', imageBasedNoise: 'image-based noise',
  nBatch: 'shots (n_batch)', fixConditionImages: 'fix condition images', ipAdapterScale: 'IP-Adapter scale', ipAdapterFaceScale: 'face scale',
  firstFrame: 'first frame', firstFrameSteps: 'first-frame steps', firstFrameGuidanceScale: 'first-frame guidance',
  firstFrameNegativePrompt: 'first-frame negative prompt', memoryBudgetGiB: 'GPU memory budget',
};

/**
 * Why a generation cannot start with these inputs, in words for the error banner; null = it can.
 * `features` null = the pack is not read yet (the worker then decides).
 */
export function requestProblem(settings: Settings, images: RequestImages, features: PackFeatures | null): AppError | null {
  if (settings.firstFrame !== 'generate' && !images.image) {
    return { code: 'bad-input', message: 'Add a condition image first: drop, paste or pick one (or choose "Generate from the prompt").' };
  }
  const problems = validateSettings(settings);
  if (hasErrors(problems)) {
    const fields = Object.keys(problems).map((k) => LABELS[k as keyof Settings] ?? k);
    return { code: 'bad-input', message: `Fix these settings first: ${fields.join(', ')}.` };
  }
  const noFirstFrame = features && settings.firstFrame !== 'image' ? firstFrameUnavailableReason(features) : null;
  if (noFirstFrame) {
    return { code: 'bad-input', message: `This model pack cannot generate or redraw the first frame (${noFirstFrame}). Choose "Use my image" or another pack.` };
  }
  return null;
}

/**
 * The worker request: every setting except the backend, video format and encoder (the memory budget
 * goes in bytes when set; a null first-frame negative prompt is left out:
 * the worker then uses the video's), and the images center-cropped and resized
 * to width×height (spec §0 step 3). 'generate' sends no condition image (text → image → video);
 * the ReferenceNet / IP-Adapter images go only when given and the pack takes them (else the worker
 * uses the condition frame, MuseV's default); likewise the face image for FaceID packs.
 */
export function buildRequest(
  settings: Settings,
  images: RequestImages,
  features: PackFeatures | null,
  cropResize: CropResize,
): GenerateRequest {
  const { backend: _backend, videoFormat: _format, videoEncoder: _encoder, memoryBudgetGiB, firstFrameNegativePrompt, ...params } = settings;
  const { width, height } = settings;
  const fit = (img: LoadedImage): RgbaImage => ({ width, height, rgba: cropResize(img, width, height) });
  const request: GenerateRequest = { ...params };
  if (firstFrameNegativePrompt !== null) request.firstFrameNegativePrompt = firstFrameNegativePrompt;
  if (memoryBudgetGiB !== null) request.memoryBudgetBytes = Math.round(memoryBudgetGiB * 2 ** 30);
  if (settings.firstFrame !== 'generate' && images.image) request.image = fit(images.image);
  if (features?.referenceImage && images.referImage) request.referImage = fit(images.referImage);
  if (features?.ipAdapterImage && images.ipAdapterImage) request.ipAdapterImage = fit(images.ipAdapterImage);
  if (features?.faceImage && images.faceImage) request.faceImage = fit(images.faceImage);
  return request;
}
