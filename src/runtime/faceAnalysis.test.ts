/**
 * IP-Adapter FaceID end to end on the real referencenet demo pack (onnxruntime-web, wasm in Node):
 * the pack's face_detector / face_embedder / face_proj graphs (insightface stand-ins with det_10g /
 * w600k_r50's I/O, models/musev_export/insightface_standin.py) behind the TS face analysis
 * (letterbox, SCRFD decode + NMS, norm_crop, ArcFace blob, L2) and the UNet's face_tokens /
 * face_scale inputs. Skipped while the pack has no face graphs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeScrfd, letterbox, rgbBlob } from '../core/faceDetect';
import { faceEmbedding, faceTokensFromEmbedding, MUSEV_FACE_BGR } from '../pipeline/faceConditioning';
import { generateVideo } from '../pipeline/generateVideo';
import { pixelsFromRgba } from '../pipeline/images';
import type { GenerateRequest, RgbaImage } from '../rpc/generatorApi';
import { loadPack, type LoadedPack } from './loadPack';
import type { PackSource } from './packSource';

const packDir = process.env.FACE_PACK_DIR ?? fileURLToPath(new URL('../../public/packs/tiny-musev-referencenet/', import.meta.url));
const manifestPath = packDir.replace(/\/?$/, '/') + 'manifest.json';
const hasFace = existsSync(manifestPath) && 'face_detector' in (JSON.parse(readFileSync(manifestPath, 'utf8')) as { graphs: object }).graphs;

function fsSource(dir: string): PackSource {
  const base = dir.replace(/\/?$/, '/');
  return { label: dir, readBytes: async (path) => new Uint8Array(await readFile(base + path)) };
}

/** A picture with some structure: a light oval "head" with two dark "eyes" on a gradient. */
function portrait(W: number, H: number): RgbaImage {
  const rgba = new Uint8ClampedArray(W * H * 4);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const head = ((x - W / 2) / (W * 0.3)) ** 2 + ((y - H / 2) / (H * 0.4)) ** 2 < 1;
    const eye = [0.4, 0.6].some((ex) => Math.hypot(x - ex * W, y - 0.42 * H) < W * 0.04);
    const v = eye ? 30 : head ? 220 : (x * 2 + y) % 256;
    rgba.set([v, head ? v * 0.8 : v, head ? v * 0.7 : 255 - v, 255], (y * W + x) * 4);
  }
  return { width: W, height: H, rgba };
}

ort.env.wasm.numThreads = 1;

describe.skipIf(!hasFace)('IP-Adapter FaceID on the referencenet demo pack (wasm)', () => {
  let pack: LoadedPack;
  beforeAll(async () => {
    pack = await loadPack(ort, fsSource(packDir), { backend: 'wasm' }, () => {});
  }, 180_000);
  afterAll(async () => pack?.release());

  it('the manifest wires FaceID: face graphs loaded, faceAnalysis and token count in the pipeline config', () => {
    expect(pack.networks.face).toBeDefined();
    expect(pack.pipelineConfig.faceAnalysis).toMatchObject({ detectorSize: 640, strides: [8, 16, 32], anchorsPerCell: 2, alignSize: 112 });
    expect(pack.pipelineConfig.faceTokens).toBe(pack.manifest.unet.ipAdapterFace?.tokens);
  });

  it('the detector finds a face on a test image; the embedding is 512 numbers of norm 1; tokens (2, tokens, D)', async () => {
    const face = pack.networks.face!;
    const cfg = pack.pipelineConfig.faceAnalysis!;
    const img = pixelsFromRgba(portrait(128, 96));
    const lb = letterbox(img.rgb, img.width, img.height, cfg.detectorSize);
    const raw = await face.detector.detect({ data: rgbBlob(lb.canvas, 640, 640, 127.5, 128, MUSEV_FACE_BGR), shape: [1, 3, 640, 640] });
    for (const s of cfg.strides) expect(raw[`score_${s}`].length).toBe((640 / s) ** 2 * 2);
    const faces = decodeScrfd(raw, cfg, lb.detScale);
    expect(faces.length).toBeGreaterThan(0);
    expect(faces[0].score).toBeGreaterThanOrEqual(0.5);
    for (let i = 1; i < faces.length; i++) expect(faces[i].score).toBeLessThanOrEqual(faces[i - 1].score);
    const e = await faceEmbedding(face, cfg, img);
    expect(e.length).toBe(512);
    expect(Math.hypot(...e)).toBeCloseTo(1, 5);
    const F = await faceTokensFromEmbedding(face, e, true);
    expect(F.shape).toEqual([2, pack.manifest.unet.ipAdapterFace!.tokens, pack.manifest.unet.crossAttentionDim]);
  }, 120_000);

  it('a generation with a face image completes, and the face scale changes the video', async () => {
    const W = 64;
    const H = 64;
    const request: GenerateRequest = {
      image: portrait(W, H), faceImage: portrait(W, H), prompt: 'a face', negativePrompt: '', width: W, height: H, frames: 2, contextFrames: 2,
      contextOverlap: 0, steps: 1, guidanceScale: 3.5, seed: 3, fps: 8, motionSpeed: 8, wIndNoise: 0.5, imgWeight: 0.001,
    };
    const on = await generateVideo(pack.networks, pack.tokenizer, pack.pipelineConfig, { ...request, ipAdapterFaceScale: 1 }, () => {});
    const off = await generateVideo(pack.networks, pack.tokenizer, pack.pipelineConfig, { ...request, ipAdapterFaceScale: 0 }, () => {});
    expect(on.frames.length).toBe(3);
    let diff = 0;
    on.latents.data.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - off.latents.data[i]))));
    expect(diff).toBeGreaterThan(1e-4);
  }, 240_000);
});
