/**
 * The whole run (generateVideo) on toy networks against the PyTorch reference pipeline
 * (models/reference/pipeline.py driven by the same toy networks, models/golden/pipeline_toy_run.py):
 * n_batch chaining on one generator (with the Euler step's draws), guidance schedules, the 'uniform'
 * schedule, random noise, image-based noise off, frame_index · motion_speed, first frame generated
 * or redrawn on the spatial UNet. Also the progress events of shots and of the first frame.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ClipTokenizer } from '../core/clipTokenizer';
import type { GenerateRequest } from '../rpc/generatorApi';
import type { ProgressEvent } from '../rpc/progress';
import { TOY_CLIP, TOY_CONFIG, toyNetworks, type UnetCall } from './__fixtures__/toyNetworks';
import { generateVideo } from './generateVideo';

interface RunCase {
  name: string; request: GenerateRequest; anivv1: boolean; refnet: boolean;
  image_rgb: number[] | null; refer_rgb: number[] | null; ip_rgb: number[] | null; latents: number[]; latents_shape: number[];
}
const golden = JSON.parse(readFileSync(new URL('./__golden__/toy_run.json', import.meta.url), 'utf8')) as {
  texts: Record<string, number[]>;
  cases: RunCase[];
};

const tokenizer = {
  encode: (text: string) => golden.texts[text].slice(1, golden.texts[text].indexOf(49407)),
  bosTokenId: 49406, eosTokenId: 49407, padTokenId: 49407, maxLength: 77,
} as unknown as ClipTokenizer;

function requestFor(c: RunCase): GenerateRequest {
  const { width: W, height: H } = c.request;
  const image = (rgb: number[] | null) => {
    if (!rgb) return undefined;
    const rgba = new Uint8ClampedArray(W * H * 4);
    for (let p = 0; p < W * H; p++) {
      rgba.set(rgb.slice(p * 3, p * 3 + 3), p * 4);
      rgba[p * 4 + 3] = 255;
    }
    return { width: W, height: H, rgba };
  };
  return { ...c.request, image: image(c.image_rgb), referImage: image(c.refer_rgb), ipAdapterImage: image(c.ip_rgb) };
}

describe('generateVideo whole run (toy networks vs the PyTorch reference pipeline)', () => {
  for (const c of golden.cases) {
    it(c.name, async () => {
      const calls: UnetCall[] = [];
      const spatial: UnetCall[] = [];
      const events: ProgressEvent[] = [];
      const cfg = { ...TOY_CONFIG, frameIndexUsesMotionSpeed: c.anivv1, ...(c.refnet ? { unetConditioning: true, clipImage: TOY_CLIP, ipAdapterTokens: 2 } : {}) };
      const out = await generateVideo(toyNetworks(calls, spatial, c.refnet), tokenizer, cfg, requestFor(c), (e) => events.push(e));
      expect(out.latents.shape).toEqual(c.latents_shape);
      let maxDiff = 0;
      out.latents.data.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - c.latents[i]))));
      expect(maxDiff).toBeLessThan(1e-4);
      expect(out.frames.length).toBe(c.latents_shape[2]);

      const r = c.request;
      const shots = r.nBatch ?? 1;
      const steps = events.filter((e) => e.type === 'step');
      expect(steps.filter((e) => !e.firstFrame).length).toBe(r.steps * shots);
      expect(new Set(steps.filter((e) => !e.firstFrame).map((e) => (e.type === 'step' ? `${e.shot}/${e.shots}` : '')))).toEqual(
        new Set(Array.from({ length: shots }, (_, k) => `${k}/${shots}`)),
      );
      if ((r.firstFrame ?? 'image') !== 'image') {
        // T = 1 calls on the spatial UNet, no condition frame, frame_index [0]
        expect(spatial.length).toBe(r.firstFrameSteps);
        expect(spatial.every((x) => x.sample.shape[2] === 1 && x.frameIndex.length === 1)).toBe(true);
        expect(steps.filter((e) => e.firstFrame).length).toBe(r.firstFrameSteps);
      } else {
        expect(spatial.length).toBe(0);
      }
      // referencenet families: every UNet call gets the same conditioning object of the run phase
      if (c.refnet) expect([...calls, ...spatial].every((x) => x.conditioning?.ipTokens?.shape[0] === 2)).toBe(true);
      else expect([...calls, ...spatial].every((x) => !x.conditioning)).toBe(true);
      if (c.anivv1) expect(calls[0].frameIndex).toEqual(calls[0].frameIndex.map((_, j) => Math.trunc(j * r.motionSpeed)));
    });
  }
});
