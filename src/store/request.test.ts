import { describe, expect, it } from 'vitest';
import type { LoadedImage } from './image';
import { packFeatures } from './packFeatures';
import { buildRequest, requestProblem, type RequestImages } from './request';
import { BUILTIN_DEFAULTS, type Settings } from './settings';

const img = (name: string, width = 640, height = 480): LoadedImage => ({
  name, type: 'image/png', bytes: 10, width, height, rgba: new Uint8ClampedArray(width * height * 4), url: `blob:${name}`,
});
/** Fake crop: fills with the image's width so tests can tell which image was cropped. */
const crop = (image: LoadedImage, w: number, h: number) => new Uint8ClampedArray(w * h * 4).fill(image.width % 256);
const s: Settings = { ...BUILTIN_DEFAULTS, prompt: 'a girl', width: 128, height: 64, backend: 'wasm' };
const none: RequestImages = { image: null, referImage: null, ipAdapterImage: null };
const refnet = packFeatures('musev_referencenet', ['unet', 'unet_spatial', 'referencenet', 'image_proj', 'clip_vision']);
const plain = packFeatures('musev', ['unet']);

describe('requestProblem', () => {
  it('needs a condition image unless the first frame is generated', () => {
    expect(requestProblem(s, none, plain)?.message).toMatch(/Add a condition image/);
    expect(requestProblem({ ...s, firstFrame: 'redraw' }, none, refnet)?.code).toBe('bad-input');
    expect(requestProblem({ ...s, firstFrame: 'generate' }, none, refnet)).toBeNull();
  });

  it('names invalid new settings', () => {
    const p = requestProblem({ ...s, nBatch: 0, guidanceScaleEnd: 99, ipAdapterScale: Number.NaN }, { ...none, image: img('a') }, plain);
    expect(p?.message).toBe('Fix these settings first: guidance end, shots (n_batch), IP-Adapter scale.');
  });

  it('refuses generate/redraw on a pack without unet_spatial, and leaves an unread pack to the worker', () => {
    expect(requestProblem({ ...s, firstFrame: 'generate' }, none, plain)?.message).toMatch(/no unet_spatial graph/);
    expect(requestProblem({ ...s, firstFrame: 'redraw' }, { ...none, image: img('a') }, plain)?.message).toMatch(/Use my image/);
    expect(requestProblem({ ...s, firstFrame: 'generate' }, none, null)).toBeNull();
  });
});

describe('buildRequest', () => {
  it('sends every option but the backend, with the condition image cropped to the size', () => {
    const r = buildRequest({ ...s, nBatch: 3, guidanceScaleEnd: 7, guidanceMethod: 'two_stage', noiseType: 'random' }, { ...none, image: img('a') }, plain, crop);
    expect(r).not.toHaveProperty('backend');
    expect(r).toMatchObject({
      prompt: 'a girl', width: 128, height: 64, nBatch: 3, guidanceScaleEnd: 7, guidanceMethod: 'two_stage', noiseType: 'random',
      contextSchedule: 'uniform_v2', contextStride: 1, imageBasedNoise: true, fixConditionImages: false, ipAdapterScale: 1,
      firstFrame: 'image', firstFrameSteps: 30, firstFrameGuidanceScale: 7.5,
    });
    expect(r.image).toMatchObject({ width: 128, height: 64 });
    expect(r.image?.rgba.length).toBe(128 * 64 * 4);
    expect(r.referImage).toBeUndefined();
    expect(r.ipAdapterImage).toBeUndefined();
    expect(r).not.toHaveProperty('memoryBudgetBytes'); // blank budget: the worker takes the adapter's
    expect(r).not.toHaveProperty('memoryBudgetGiB');
  });

  it('sends the GPU memory budget in bytes when the user set one', () => {
    const r = buildRequest({ ...s, memoryBudgetGiB: 2.5 }, { ...none, image: img('a') }, plain, crop);
    expect(r.memoryBudgetBytes).toBe(2.5 * 2 ** 30);
  });

  it('sends the ReferenceNet and IP-Adapter images only when given, cropped like the condition image', () => {
    const images = { image: img('a', 640), referImage: img('r', 300), ipAdapterImage: img('i', 200) };
    const r = buildRequest(s, images, refnet, crop);
    expect(r.image?.rgba[0]).toBe(640 % 256);
    expect(r.referImage).toMatchObject({ width: 128, height: 64 });
    expect(r.referImage?.rgba[0]).toBe(300 % 256);
    expect(r.ipAdapterImage?.rgba[0]).toBe(200);
    const onlyRefer = buildRequest(s, { ...images, ipAdapterImage: null }, refnet, crop);
    expect(onlyRefer.referImage).toBeDefined();
    expect(onlyRefer).not.toHaveProperty('ipAdapterImage');
  });

  it('leaves extra images out for a pack that does not take them', () => {
    const r = buildRequest(s, { image: img('a'), referImage: img('r'), ipAdapterImage: img('i'), faceImage: img('f') }, plain, crop);
    expect(r).not.toHaveProperty('referImage');
    expect(r).not.toHaveProperty('ipAdapterImage');
    expect(r).not.toHaveProperty('faceImage');
  });

  it('FaceID packs: the face image goes cropped like the others, the face scale always; none = the worker uses the condition image', () => {
    const faceid = packFeatures('musev', ['unet', 'face_detector', 'face_embedder', 'face_proj']);
    const r = buildRequest({ ...s, ipAdapterFaceScale: 0.5 }, { ...none, image: img('a'), faceImage: img('f', 100) }, faceid, crop);
    expect(r.faceImage).toMatchObject({ width: 128, height: 64 });
    expect(r.faceImage?.rgba[0]).toBe(100);
    expect(r.ipAdapterFaceScale).toBe(0.5);
    expect(buildRequest(s, { ...none, image: img('a') }, faceid, crop)).not.toHaveProperty('faceImage');
    expect(requestProblem({ ...s, ipAdapterFaceScale: -1 }, { ...none, image: img('a') }, faceid)?.message).toMatch(/face scale/);
  });

  it('sends a first-frame negative prompt only when it differs from "same as the video"', () => {
    const images = { ...none, image: img('a') };
    expect(buildRequest(s, images, refnet, crop)).not.toHaveProperty('firstFrameNegativePrompt');
    expect(buildRequest({ ...s, firstFrameNegativePrompt: '' }, images, refnet, crop).firstFrameNegativePrompt).toBe('');
    expect(buildRequest({ ...s, firstFrameNegativePrompt: 'blurry' }, images, refnet, crop).firstFrameNegativePrompt).toBe('blurry');
  });

  it("'generate' sends no condition image: size from the settings", () => {
    const r = buildRequest({ ...s, firstFrame: 'generate', firstFrameSteps: 12 }, { ...none, image: img('a') }, refnet, crop);
    expect(r).not.toHaveProperty('image');
    expect(r).toMatchObject({ firstFrame: 'generate', firstFrameSteps: 12, width: 128, height: 64 });
  });
});
