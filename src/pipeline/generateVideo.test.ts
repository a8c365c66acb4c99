/**
 * The pipeline's bookkeeping against an independent PyTorch implementation of MuseV's loop
 * (models/golden/pipeline_toy.py), with toy networks written the same way on both sides.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ClipTokenizer } from '../core/clipTokenizer';
import type { GenerateRequest } from '../rpc/generatorApi';
import type { ProgressEvent } from '../rpc/progress';
import { TOY_CONFIG, toyNetworks, type UnetCall } from './__fixtures__/toyNetworks';
import { generateVideo } from './generateVideo';

interface GoldenCase {
  seed: number; width: number; height: number; frames: number; contextFrames: number; contextOverlap: number;
  steps: number; guidanceScale: number; wIndNoise: number; imgWeight: number;
  image_rgb: number[]; neg_ids: number[]; pos_ids: number[]; windows: number[][];
  latents: number[]; latents_shape: number[]; frames_rgb_first: number[]; frames_rgb_last: number[];
}
const golden = JSON.parse(readFileSync(new URL('./__golden__/toy_loop.json', import.meta.url), 'utf8')) as { cases: GoldenCase[] };

const cfg = TOY_CONFIG;

function requestFor(c: GoldenCase): GenerateRequest {
  const rgba = new Uint8ClampedArray(c.width * c.height * 4);
  for (let p = 0; p < c.width * c.height; p++) {
    rgba.set(c.image_rgb.slice(p * 3, p * 3 + 3), p * 4);
    rgba[p * 4 + 3] = 255;
  }
  return {
    image: { width: c.width, height: c.height, rgba }, prompt: 'pos', negativePrompt: 'neg', width: c.width, height: c.height,
    frames: c.frames, contextFrames: c.contextFrames, contextOverlap: c.contextOverlap, steps: c.steps,
    guidanceScale: c.guidanceScale, seed: c.seed, fps: 8, motionSpeed: 8, wIndNoise: c.wIndNoise, imgWeight: c.imgWeight,
  };
}

/** The golden rows are [BOS, content…, EOS, EOS…]; plain prompts weigh 1, so weighting leaves E as is. */
function tokenizerFor(c: GoldenCase): ClipTokenizer {
  const content = (row: number[]) => row.slice(1, row.indexOf(49407));
  return {
    encode: (text: string) => content(text === 'pos' ? c.pos_ids : c.neg_ids),
    bosTokenId: 49406, eosTokenId: 49407, padTokenId: 49407, maxLength: 77,
  } as unknown as ClipTokenizer;
}

describe('generateVideo (toy networks vs PyTorch reference of MuseV loop)', () => {
  for (const c of golden.cases) {
    it(`seed ${c.seed}: ${c.frames} frames, context ${c.contextFrames}/${c.contextOverlap}, ${c.steps} steps`, async () => {
      const calls: UnetCall[] = [];
      const events: ProgressEvent[] = [];
      const out = await generateVideo(toyNetworks(calls), tokenizerFor(c), cfg, requestFor(c), (e) => events.push(e));

      expect(out.latents.shape).toEqual(c.latents_shape);
      let maxDiff = 0;
      out.latents.data.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - c.latents[i]))));
      expect(maxDiff).toBeLessThan(1e-4);

      // one UNet call per window per step; each starts with the clean, unscaled condition latent
      expect(calls.length).toBe(c.windows.length * c.steps);
      const [, , , h, w] = c.latents_shape;
      const hw = h * w;
      for (const [k, call] of calls.entries()) {
        const win = c.windows[k % c.windows.length];
        expect(call.sample.shape).toEqual([2, 4, win.length + 1, h, w]);
        expect(call.frameIndex).toEqual(Array.from({ length: win.length + 1 }, (_, j) => j));
        for (let b = 0; b < 2; b++) for (let ch = 0; ch < 4; ch++) for (let p = 0; p < hw; p++) {
          const got = call.sample.data[((b * 4 + ch) * (win.length + 1)) * hw + p];
          expect(got).toBeCloseTo(c.latents[ch * c.latents_shape[2] * hw + p], 6);
        }
      }

      expect(out.frames.length).toBe(c.frames + 1);
      for (const [frame, want] of [[out.frames[0], c.frames_rgb_first], [out.frames.at(-1)!, c.frames_rgb_last]] as const) {
        let worst = 0;
        for (let p = 0; p < c.width * c.height; p++) for (let ch = 0; ch < 3; ch++) worst = Math.max(worst, Math.abs(frame[p * 4 + ch] - want[p * 3 + ch]));
        expect(worst).toBeLessThanOrEqual(1); // uint8 truncation of float32 vs float64 arithmetic
      }

      expect(events.filter((e) => e.type === 'step').length).toBe(c.steps);
      expect(events.filter((e) => e.type === 'frame').length).toBe(c.frames + 1);
    });
  }

  it('same seed gives the same video, another seed another', async () => {
    const c = golden.cases[0];
    const run = (seed: number) => generateVideo(toyNetworks([]), tokenizerFor(c), cfg, { ...requestFor(c), seed }, () => {});
    const [a, b, d] = await Promise.all([run(5), run(5), run(6)]);
    expect(Array.from(a.latents.data)).toEqual(Array.from(b.latents.data));
    expect(Array.from(a.latents.data)).not.toEqual(Array.from(d.latents.data));
  });

  it('stops when aborted', async () => {
    const c = golden.cases[0];
    const ctrl = new AbortController();
    const calls: UnetCall[] = [];
    const p = generateVideo(toyNetworks(calls), tokenizerFor(c), cfg, requestFor(c), (e) => {
      if (e.type === 'window' && e.step === 1) ctrl.abort();
    }, ctrl.signal);
    await expect(p).rejects.toThrow('cancelled');
    expect(calls.length).toBeLessThanOrEqual(c.windows.length + 1);
  });
});
