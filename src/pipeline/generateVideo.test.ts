/**
 * The pipeline's bookkeeping against an independent PyTorch implementation of MuseV's loop
 * (models/golden/pipeline_toy.py), with toy networks written the same way on both sides.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ClipTokenizer } from '../core/clipTokenizer';
import type { GenerateRequest } from '../rpc/generatorApi';
import type { ProgressEvent } from '../rpc/progress';
import { generateVideo, type PipelineConfig } from './generateVideo';
import type { Networks, TensorF32 } from './networks';

interface GoldenCase {
  seed: number; width: number; height: number; frames: number; contextFrames: number; contextOverlap: number;
  steps: number; guidanceScale: number; wIndNoise: number; imgWeight: number;
  image_rgb: number[]; neg_ids: number[]; pos_ids: number[]; windows: number[][];
  latents: number[]; latents_shape: number[]; frames_rgb_first: number[]; frames_rgb_last: number[];
}
const golden = JSON.parse(readFileSync(new URL('./__golden__/toy_loop.json', import.meta.url), 'utf8')) as { cases: GoldenCase[] };

const SCALING = 0.18215;
const cfg: PipelineConfig = {
  scheduler: {
    _class_name: 'EulerDiscreteScheduler', num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012,
    beta_schedule: 'scaled_linear', prediction_type: 'epsilon', timestep_spacing: 'linspace', steps_offset: 1,
    interpolation_type: 'linear', use_karras_sigmas: false,
  },
  vaeScalingFactor: SCALING,
  latentChannels: 4,
  vaeDownscale: 8,
  frameIndexUsesMotionSpeed: false,
};

interface UnetCall { sample: TensorF32; timestep: number; frameIndex: number[] }

/** The toy networks of pipeline_toy.py, in TS. */
function toyNetworks(calls: UnetCall[]): Networks {
  return {
    textEncoder: {
      async encode(ids) {
        const D = 8;
        const data = new Float32Array(ids.length * 77 * D);
        ids.forEach((row, b) => row.forEach((id, l) => {
          for (let d = 0; d < D; d++) data[(b * 77 + l) * D + d] = Math.sin(0.01 * id * (d + 1));
        }));
        return { data, shape: [ids.length, 77, D] };
      },
    },
    vaeEncoder: {
      async encodeMean(img) {
        const [, , H, W] = img.shape;
        const h = H / 8, w = W / 8;
        const out = new Float32Array(4 * h * w);
        for (let k = 0; k < 3; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
          let s = 0;
          for (let dy = 0; dy < 8; dy++) for (let dx = 0; dx < 8; dx++) s += img.data[(k * H + y * 8 + dy) * W + x * 8 + dx];
          out[(k * h + y) * w + x] = s / 64;
          if (k === 0) out[(3 * h + y) * w + x] = -s / 64;
        }
        return { data: out, shape: [1, 4, h, w] };
      },
    },
    unet: {
      async predict(sample, timestep, context, frameIndex) {
        calls.push({ sample: { data: sample.data.slice(), shape: sample.shape.slice() }, timestep, frameIndex: frameIndex.slice() });
        const [B, C, T, h, w] = sample.shape;
        const hw = h * w;
        const L = context.shape[1] * context.shape[2];
        const out = new Float32Array(sample.data.length);
        for (let b = 0; b < B; b++) {
          let em = 0;
          for (let i = 0; i < L; i++) em += context.data[b * L + i];
          em /= L;
          for (let c = 0; c < C; c++) for (let p = 0; p < hw; p++) {
            let mean = 0;
            for (let t = 0; t < T; t++) mean += sample.data[((b * C + c) * T + t) * hw + p];
            mean /= T;
            for (let t = 0; t < T; t++) {
              const i = ((b * C + c) * T + t) * hw + p;
              out[i] = 0.1 * sample.data[i] + 0.05 * mean + 0.002 * (timestep / 1000) + 0.3 * em + 0.01 * frameIndex[t];
            }
          }
        }
        return { data: out, shape: sample.shape.slice() };
      },
    },
    vaeDecoder: {
      async decode(z) {
        const [, , h, w] = z.shape;
        const H = h * 8, W = w * 8;
        const out = new Float32Array(3 * H * W);
        for (let k = 0; k < 3; k++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
          const p = Math.floor(y / 8) * w + Math.floor(x / 8);
          out[(k * H + y) * W + x] = Math.tanh(z.data[k * h * w + p] + 0.5 * z.data[3 * h * w + p]);
        }
        return { data: out, shape: [1, 3, H, W] };
      },
    },
  };
}

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
