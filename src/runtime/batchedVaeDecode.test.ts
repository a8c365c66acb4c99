/**
 * Several frames per VAE decoder call (src/pipeline/decodeFrames.ts) on the real tiny demo pack's vae_decoder
 * graph, on onnxruntime-web's wasm backend (what the app runs when there is no GPU) and on
 * onnxruntime-node's CPU provider: the frames equal MuseV's one-frame-per-call decoding (generateVideo's
 * former phase 6: gatherFrames of one frame, decodeLatent, tensorToRgba) byte for byte, and the raw VAE
 * outputs bit for bit (max |diff| 0). The fake-decoder tests (out-of-memory halving, order, abort) are
 * src/pipeline/decodeFrames.test.ts.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensorToRgba } from '../core/imageTensor';
import { gatherFrames } from '../core/latents';
import { torchRandnSeeded } from '../core/torchRandn';
import { decodeFrames } from '../pipeline/decodeFrames';
import { decodeLatent } from '../pipeline/images';
import type { VaeDecoderNet } from '../pipeline/networks';
import { readManifest } from './loadPack';
import { ortVaeDecoder } from './ortNetworks';
import type { Ort, OrtSession } from './ortTypes';
import { createGraphSession, onceReader } from './sessions';

ortWeb.env.wasm.numThreads = 1;

const packDir = (id: string) => fileURLToPath(new URL(`../../public/packs/${id}/`, import.meta.url));
const source = (dir: string) => ({ label: dir, readBytes: async (p: string) => new Uint8Array(await readFile(dir + p)) });

/** The VAE decoder that also keeps every raw output, in call order, and the batch of every call. */
function recording(vae: VaeDecoderNet) {
  const raw: Float32Array[] = [];
  const batches: number[] = [];
  const net: VaeDecoderNet = {
    async decode(z) {
      const img = await vae.decode(z);
      raw.push(img.data);
      batches.push(z.shape[0]);
      return img;
    },
  };
  const flat = () => {
    const out = new Float32Array(raw.reduce((s, r) => s + r.length, 0));
    let o = 0;
    for (const r of raw) out.set(r, o), (o += r.length);
    return out;
  };
  return { net, batches, flat };
}

/** MuseV's VAE slicing as generateVideo did it: one frame per call. */
async function oneFramePerCall(vae: VaeDecoderNet, all: Float32Array, shape: number[], scaling: number, W: number, H: number) {
  const [, c, T, h, w] = shape;
  const frames: Uint8ClampedArray[] = [];
  for (let f = 0; f < T; f++) frames.push(tensorToRgba(await decodeLatent(vae, gatherFrames(all, shape, [f]), [1, c, h, w], scaling), W, H));
  return frames;
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
};

const RUNTIMES = ['onnxruntime-web wasm', 'onnxruntime-node cpu'] as const;

// tiny-musev-referencenet ships the same vae_decoder files (same sha256), so one pack covers both.
for (const id of ['tiny-musev']) {
  for (const runtime of RUNTIMES) {
    describe(`VAE frames per call on ${id} (${runtime})`, () => {
      let session: OrtSession;
      let vae: VaeDecoderNet;
      let scaling: number;
      beforeAll(async () => {
        const src = source(packDir(id));
        const manifest = await readManifest(src);
        scaling = manifest.vae.scalingFactor;
        const graph = manifest.graphs.vae_decoder;
        if (runtime === 'onnxruntime-web wasm') {
          session = await createGraphSession(ortWeb, onceReader(src), 'VAE decoder', graph, { backend: 'wasm' });
          vae = ortVaeDecoder(ortWeb, session);
        } else {
          if (graph.parts) throw new Error('the tiny pack\'s vae_decoder is one file');
          const read = onceReader(src);
          const externalData = await Promise.all(graph.externalData.map(async (ref) => ({ path: ref.file, data: await read(ref) })));
          session = (await ortNode.InferenceSession.create(await read(graph), { externalData })) as unknown as OrtSession;
          // onnxruntime-node's Tensor is onnxruntime-common's, as onnxruntime-web's is.
          vae = ortVaeDecoder(ortNode as unknown as Ort, session);
        }
      }, 60_000);
      afterAll(async () => session?.release());

      const cases = [
        { T: 6, perCall: 3, h: 8, w: 8, calls: [3, 3] },
        { T: 5, perCall: 2, h: 8, w: 8, calls: [2, 2, 1] },
        { T: 7, perCall: 4, h: 8, w: 16, calls: [4, 3] },
      ];
      for (const { T, perCall, h, w, calls } of cases) {
        it(`${T} frames of ${8 * w}x${8 * h}, ${perCall} per call (calls of ${calls.join(', ')}): equal to one frame per call`, async () => {
          const [W, H] = [8 * w, 8 * h];
          const shape = [1, 4, T, h, w];
          const latents = torchRandnSeeded(shape, 11 + T);
          const single = recording(vae);
          const expected = await oneFramePerCall(single.net, latents, shape, scaling, W, H);
          const batched = recording(vae);
          const seen: [number, Uint8ClampedArray][] = [];
          const frames = await decodeFrames({
            vae: batched.net, latents, shape, scalingFactor: scaling, width: W, height: H, framesPerCall: perCall,
            onFrame: (f, rgba) => seen.push([f, rgba]),
          });
          expect(batched.batches).toEqual(calls);
          expect(single.batches).toEqual(Array(T).fill(1));
          expect(seen.map(([f]) => f)).toEqual(Array.from({ length: T }, (_, f) => f));
          seen.forEach(([f, rgba]) => expect(rgba).toBe(frames[f]));
          const rawDiff = maxAbsDiff(batched.flat(), single.flat());
          let bytesDiffering = 0;
          frames.forEach((fr, f) => fr.forEach((v, i) => (bytesDiffering += v === expected[f][i] ? 0 : 1)));
          // Not a vacuous check: the frames are far from saturated (many distinct byte values).
          const distinct = new Set(frames.flatMap((fr) => Array.from(fr.filter((_, i) => i % 4 !== 3)))).size;
          console.log(`${id} (${runtime}): ${T} frames ${W}x${H}, ${perCall} per call: raw VAE output max |diff| ${rawDiff.toExponential(2)}, RGBA bytes differing ${bytesDiffering}, distinct RGB values ${distinct}`);
          expect(distinct).toBeGreaterThan(64);
          expect(rawDiff).toBe(0);
          expect(frames).toEqual(expected);
        });
      }
    });
  }
}
