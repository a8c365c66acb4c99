/**
 * IP-Adapter FaceID in the pipeline, on toy networks: the face analysis chain (letterbox → detector →
 * decode → norm_crop → embedder → L2 → face_proj), the 'bad-image' error, and which face image each
 * UNet call's tokens come from (MuseV run_pipe_text2video: default the condition image; after a redraw
 * the redrawn frame; a generated first frame leaves a missing face image missing).
 */
import { describe, expect, it } from 'vitest';
import type { ClipTokenizer } from '../core/clipTokenizer';
import { arcfaceBlob, l2Normalize, normCrop } from '../core/faceAlign';
import { letterbox, rgbBlob } from '../core/faceDetect';
import type { GenerateRequest, RgbaImage } from '../rpc/generatorApi';
import { toyFaceNets, TOY_FACE_ANALYSIS, TOY_FACE_CONFIG, TOY_KPS_CANVAS, type FaceCalls } from './__fixtures__/toyFace';
import { toyNetworks, type UnetCall } from './__fixtures__/toyNetworks';
import { faceConditioningFor, faceEmbedding, MUSEV_FACE_BGR } from './faceConditioning';
import { generateVideo } from './generateVideo';
import { pixelsFromRgba } from './images';

const W = 16;
const H = 16;
function picture(seed: number): RgbaImage {
  const rgba = new Uint8ClampedArray(W * H * 4);
  for (let p = 0; p < W * H; p++) rgba.set([(p * 7 + seed * 31) % 256, (p * 3 + seed * 50) % 256, (p * 11 + seed) % 256, 255], p * 4);
  return { width: W, height: H, rgba };
}
const black: RgbaImage = { width: W, height: H, rgba: new Uint8ClampedArray(W * H * 4).map((_, i) => (i % 4 === 3 ? 255 : 0)) };
const tokenizer = { encode: (t: string) => (t === 'pos' ? [320, 321] : [400]), bosTokenId: 49406, eosTokenId: 49407, padTokenId: 49407, maxLength: 77 } as unknown as ClipTokenizer;
const request = (o: Partial<GenerateRequest>): GenerateRequest => ({
  image: picture(1), prompt: 'pos', negativePrompt: 'neg', width: W, height: H, frames: 3, contextFrames: 3, contextOverlap: 1, steps: 2,
  guidanceScale: 3.5, seed: 7, fps: 8, motionSpeed: 8, wIndNoise: 0.5, imgWeight: 0.001, firstFrameSteps: 2, ...o,
});
const newCalls = (): FaceCalls => ({ detect: [], embed: [], project: [] });

describe('faceEmbedding: insightface FaceAnalysis around the toy graphs', () => {
  it('letterboxes for the detector, aligns the best face for the embedder, L2-normalises', async () => {
    const calls = newCalls();
    const img = pixelsFromRgba(picture(2));
    const e = await faceEmbedding(toyFaceNets(calls), TOY_FACE_ANALYSIS, img);
    const lb = letterbox(img.rgb, W, H, 32);
    expect(calls.detect[0].shape).toEqual([1, 3, 32, 32]);
    // MuseV's double channel flip: both networks get B, G, R planes
    expect(MUSEV_FACE_BGR).toBe(true);
    expect(Array.from(calls.detect[0].data)).toEqual(Array.from(rgbBlob(lb.canvas, 32, 32, 127.5, 128, true)));
    expect(calls.detect[0].data[0]).toBe(rgbBlob(lb.canvas, 32, 32, 127.5, 128)[2 * 32 * 32]);
    // 16 → 32: det_scale 2, so the keypoints land at canvas / 2 in the image
    const crop = normCrop(img.rgb, W, H, TOY_KPS_CANVAS.map((v) => v / 2), 112);
    expect(calls.embed[0].shape).toEqual([1, 3, 112, 112]);
    expect(Array.from(calls.embed[0].data)).toEqual(Array.from(arcfaceBlob(crop, 112, true)));
    expect(Math.hypot(...e)).toBeCloseTo(1, 6);
  });
  it("no face: a 'bad-image' error that says what to do", async () => {
    const p = faceEmbedding(toyFaceNets(), TOY_FACE_ANALYSIS, pixelsFromRgba(black));
    await expect(p).rejects.toMatchObject({ appError: { code: 'bad-image' } });
    await expect(p).rejects.toThrow(/clearly visible.*clear the face image slot/);
  });
  it('F = [face_proj(0); face_proj(ê)] with CFG; zeros and scale 0 without a face image; nothing without FaceID', async () => {
    const calls = newCalls();
    const nets = toyFaceNets(calls);
    const img = pixelsFromRgba(picture(3));
    const f = await faceConditioningFor(nets, TOY_FACE_CONFIG, { image: img, scale: 0.7, B: 2, D: 8 }, new Map());
    expect(f?.faceScale).toBe(0.7);
    expect(f?.faceTokens?.shape).toEqual([2, 2, 8]);
    const e = l2Normalize((await nets.embedder.embed(calls.embed[0])).data); // ê again from the crop the embedder saw
    expect(Array.from(calls.project[0].data)).toEqual([0, 0, 0, 0, ...e]);
    const none = await faceConditioningFor(nets, TOY_FACE_CONFIG, { scale: 0.7, B: 2, D: 8 }, new Map());
    expect(none).toEqual({ faceTokens: { data: new Float32Array(32), shape: [2, 2, 8] }, faceScale: 0 });
    expect(await faceConditioningFor(nets, { ...TOY_FACE_CONFIG, faceAnalysis: undefined }, { image: img, scale: 1, B: 2, D: 8 }, new Map())).toBeUndefined();
  });
});

describe('generateVideo with IP-Adapter FaceID (musev family + face graphs)', () => {
  const run = async (o: Partial<GenerateRequest>) => {
    const calls: UnetCall[] = [];
    const spatial: UnetCall[] = [];
    const face = newCalls();
    const nets = { ...toyNetworks(calls, spatial), face: toyFaceNets(face) };
    const out = await generateVideo(nets, tokenizer, TOY_FACE_CONFIG, request(o), () => {});
    return { calls, spatial, face, out };
  };
  const detectedImage = (c: FaceCalls, k: number) => c.detect[k].data;
  const blobOf = (img: RgbaImage) => rgbBlob(letterbox(pixelsFromRgba(img).rgb, W, H, 32).canvas, 32, 32, 127.5, 128, true);

  it('every UNet call gets the face tokens of the condition image by default, at ip_adapter_face_scale', async () => {
    const { calls, face, out } = await run({ ipAdapterFaceScale: 0.6 });
    expect(face.detect.length).toBe(1);
    expect(Array.from(detectedImage(face, 0))).toEqual(Array.from(blobOf(picture(1))));
    expect(calls.every((c) => c.conditioning?.faceTokens?.shape.join() === '2,2,8' && c.conditioning.faceScale === 0.6)).toBe(true);
    const off = await run({ ipAdapterFaceScale: 0 });
    expect(Array.from(out.latents.data)).not.toEqual(Array.from(off.out.latents.data));
  });
  it('a face image of its own replaces the default', async () => {
    const { face } = await run({ faceImage: picture(5) });
    expect(Array.from(detectedImage(face, 0))).toEqual(Array.from(blobOf(picture(5))));
  });
  it('redraw: the first frame uses the face image, the video the redrawn frame', async () => {
    const { calls, spatial, face } = await run({ firstFrame: 'redraw' });
    expect(face.detect.length).toBe(2);
    expect(Array.from(detectedImage(face, 0))).toEqual(Array.from(blobOf(picture(1))));
    expect(Array.from(detectedImage(face, 1))).not.toEqual(Array.from(detectedImage(face, 0)));
    expect(spatial[0].conditioning?.faceTokens).not.toEqual(calls[0].conditioning?.faceTokens);
  });
  it('generate without any image: the face branch is off (zeros, scale 0), the detector never runs', async () => {
    const { calls, spatial, face } = await run({ firstFrame: 'generate', image: undefined });
    expect(face.detect.length).toBe(0);
    expect([...spatial, ...calls].every((c) => c.conditioning?.faceScale === 0 && c.conditioning.faceTokens?.data.every((v) => v === 0))).toBe(true);
  });
  it("a face image without a face stops the run with 'bad-image' before denoising", async () => {
    const calls: UnetCall[] = [];
    const p = generateVideo({ ...toyNetworks(calls), face: toyFaceNets() }, tokenizer, TOY_FACE_CONFIG, request({ faceImage: black }), () => {});
    await expect(p).rejects.toMatchObject({ appError: { code: 'bad-image' } });
    expect(calls.length).toBe(0);
  });
});
