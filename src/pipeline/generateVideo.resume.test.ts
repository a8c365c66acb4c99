/**
 * Resuming a run from its checkpoints (what the generator does after a lost GPU device): from every
 * checkpoint of every toy-run case (n_batch chaining, first frame generated / redrawn, referencenet
 * conditioning, the decode-only checkpoint after the last shot), the resumed run gives the
 * uninterrupted run's latents and frames exactly, and makes only the UNet calls that were left.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ClipTokenizer } from '../core/clipTokenizer';
import type { GenerateRequest, RunCheckpoint } from '../rpc/generatorApi';
import { TOY_CLIP, TOY_CONFIG, toyNetworks, type UnetCall } from './__fixtures__/toyNetworks';
import { generateVideo } from './generateVideo';

interface RunCase {
  name: string; request: GenerateRequest; anivv1: boolean; refnet: boolean;
  image_rgb: number[] | null; refer_rgb: number[] | null; ip_rgb: number[] | null;
}
const golden = JSON.parse(readFileSync(new URL('./__golden__/toy_run.json', import.meta.url), 'utf8')) as { texts: Record<string, number[]>; cases: RunCase[] };
const tokenizer = {
  encode: (text: string) => golden.texts[text].slice(1, golden.texts[text].indexOf(49407)),
  bosTokenId: 49406, eosTokenId: 49407, padTokenId: 49407, maxLength: 77,
} as unknown as ClipTokenizer;

function requestFor(c: RunCase): GenerateRequest {
  const { width: W, height: H } = c.request;
  const image = (rgb: number[] | null) => {
    if (!rgb) return undefined;
    const rgba = new Uint8ClampedArray(W * H * 4);
    for (let p = 0; p < W * H; p++) rgba.set([...rgb.slice(p * 3, p * 3 + 3), 255], p * 4);
    return { width: W, height: H, rgba };
  };
  return { ...c.request, image: image(c.image_rgb), referImage: image(c.refer_rgb), ipAdapterImage: image(c.ip_rgb) };
}

describe('generateVideo resumed from a checkpoint = the uninterrupted run', () => {
  for (const c of golden.cases) {
    it(c.name, async () => {
      const cfg = { ...TOY_CONFIG, frameIndexUsesMotionSpeed: c.anivv1, ...(c.refnet ? { unetConditioning: true, clipImage: TOY_CLIP, ipAdapterTokens: 2 } : {}) };
      const run = async (resume?: RunCheckpoint, onCheckpoint?: (k: RunCheckpoint) => void) => {
        const calls: UnetCall[] = [];
        const spatial: UnetCall[] = [];
        const out = await generateVideo(toyNetworks(calls, spatial, c.refnet), tokenizer, cfg, { ...requestFor(c), resume }, () => {}, undefined, undefined, onCheckpoint);
        return { out, calls: calls.length, spatial: spatial.length };
      };
      const checkpoints: RunCheckpoint[] = [];
      const full = await run(undefined, (k) => checkpoints.push(k));
      const shots = c.request.nBatch ?? 1;
      const steps = c.request.steps;
      // one at each shot's start, one after each step, one when only decoding is left
      expect(checkpoints.length).toBe(shots * (steps + 1) + 1);
      expect(checkpoints.at(-1)).toMatchObject({ shot: shots, step: 0, resumes: 0 });
      const callsPerStep = full.calls / (shots * steps);
      for (const k of checkpoints) {
        const resumed = await run(k);
        expect(resumed.out.latents.data).toEqual(full.out.latents.data);
        expect(resumed.out.frames).toEqual(full.out.frames);
        const done = Math.min(k.shot, shots) * steps + (k.shot < shots ? k.step : 0);
        expect(resumed.calls).toBe(full.calls - done * callsPerStep);
        expect(resumed.spatial).toBe(0); // the first frame is never made again
      }
    });
  }
});
