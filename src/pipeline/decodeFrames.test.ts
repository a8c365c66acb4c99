/**
 * decodeFrames on a fake VAE decoder: frames per call, frame order, out-of-memory halving, abort.
 * The real tiny pack's vae_decoder (batched equals one frame per call byte for byte) is
 * src/runtime/batchedVaeDecode.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { tensorToRgba } from '../core/imageTensor';
import { appError } from '../rpc/errors';
import { CancelledError } from './cancel';
import { decodeFrames, framesAsBatch, type DecodeFramesOptions } from './decodeFrames';
import type { VaeDecoderNet } from './networks';

const [c, h, w] = [4, 1, 2];
const [W, H] = [8 * w, 8 * h];
const scaling = 0.5;

/** Latents (1, 4, T, 1, 2) whose value says its frame: latents[0, ch, f, y, x] = f + ch/10 + x/100. */
function latents(T: number): { data: Float32Array; shape: number[] } {
  const data = new Float32Array(c * T * h * w);
  for (let ch = 0; ch < c; ch++) for (let f = 0; f < T; f++) for (let p = 0; p < h * w; p++) data[(ch * T + f) * h * w + p] = f + ch / 10 + p / 100;
  return { data, shape: [1, c, T, h, w] };
}

/**
 * A fake decoder: each batch item b → an image (3, H, W) filled with item[0, 0, 0] · scaling / 10 (the
 * frame index / 10, in [-1, 1] for up to 10 frames). Calls with more than `maxBatch` frames run out of memory.
 */
function fakeVae(maxBatch = Infinity) {
  const calls: number[][] = [];
  const vae: VaeDecoderNet = {
    async decode(z) {
      const [k, zc, zh, zw] = z.shape;
      expect([zc, zh, zw]).toEqual([c, h, w]);
      const firsts = Array.from({ length: k }, (_, j) => z.data[j * zc * zh * zw] * scaling);
      calls.push(firsts.map((v) => Math.round(v)));
      if (k > maxBatch) throw appError('out-of-memory', 'The GPU ran out of memory in the VAE decoder.', 'Failed to allocate');
      const out = new Float32Array(k * 3 * 8 * zh * 8 * zw);
      const n = 3 * 64 * zh * zw;
      firsts.forEach((v, j) => out.fill(v / 10, j * n, (j + 1) * n));
      return { data: out, shape: [k, 3, 8 * zh, 8 * zw] };
    },
  };
  return { vae, calls };
}

const expectedFrame = (f: number) => tensorToRgba(new Float32Array(3 * W * H).fill(Math.fround(Math.fround(f / scaling) * scaling) / 10), W, H);

function run(T: number, framesPerCall: number, vae: VaeDecoderNet, extra: Partial<DecodeFramesOptions> = {}) {
  const z = latents(T);
  const order: number[] = [];
  const shrinks: number[] = [];
  const done = decodeFrames({
    vae, latents: z.data, shape: z.shape, scalingFactor: scaling, width: W, height: H, framesPerCall,
    onFrame: (f) => order.push(f), onShrink: (k) => shrinks.push(k), ...extra,
  });
  return { done, order, shrinks };
}

describe('framesAsBatch', () => {
  it('takes frames f … f + k − 1 of (1, c, T, h, w) as the batch (k, c, h, w)', () => {
    // (1, 2, 3, 1, 1) = [a0 a1 a2 | b0 b1 b2]; frames 1, 2 → [a1 b1 ; a2 b2]
    expect(Array.from(framesAsBatch(Float32Array.of(0, 1, 2, 10, 11, 12), [1, 2, 3, 1, 1], 1, 2))).toEqual([1, 11, 2, 12]);
  });
});

describe('decodeFrames (fake VAE decoder)', () => {
  it('decodes framesPerCall frames per call, the last call smaller, frames in order', async () => {
    const { vae, calls } = fakeVae();
    const { done, order, shrinks } = run(5, 2, vae);
    const frames = await done;
    expect(calls).toEqual([[0, 1], [2, 3], [4]]);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(shrinks).toEqual([]);
    frames.forEach((fr, f) => expect(fr).toEqual(expectedFrame(f)));
  });

  it('divides by the scaling factor before the decoder, as decodeLatent does', async () => {
    const seen: number[] = [];
    const vae: VaeDecoderNet = {
      async decode(z) {
        seen.push(...z.data);
        return { data: new Float32Array(z.shape[0] * 3 * W * H), shape: [z.shape[0], 3, H, W] };
      },
    };
    await run(1, 1, vae).done;
    expect(seen).toEqual(Array.from(latents(1).data, (v) => Math.fround(v / scaling)));
  });

  it('out of memory: halves the frames per call, retries that call, keeps the smaller size', async () => {
    const { vae, calls } = fakeVae(2);
    const { done, order, shrinks } = run(9, 8, vae);
    const frames = await done;
    // 8 fails → 4 fails → 2: [0 1] [2 3] [4 5] [6 7] [8]
    expect(calls).toEqual([[0, 1, 2, 3, 4, 5, 6, 7], [0, 1, 2, 3], [0, 1], [2, 3], [4, 5], [6, 7], [8]]);
    expect(shrinks).toEqual([4, 2]);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    frames.forEach((fr, f) => expect(fr).toEqual(expectedFrame(f)));
  });

  it('out of memory on a smaller last call: the next size is below that call and half the old one', async () => {
    // T = 7, 4 per call: [0..3] runs, the last call [4 5 6] fails once → min(⌊4/2⌋, 3 − 1) = 2: [4 5], [6].
    const calls: number[] = [];
    let failures = 1;
    const inner = fakeVae().vae;
    const vae: VaeDecoderNet = {
      decode: (z) => (calls.push(z.shape[0]), z.shape[0] === 3 && failures-- > 0 ? Promise.reject(appError('out-of-memory', 'OOM')) : inner.decode(z)),
    };
    const { done, order, shrinks } = run(7, 4, vae);
    const frames = await done;
    expect(calls).toEqual([4, 3, 2, 1]);
    expect(shrinks).toEqual([2]);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6]);
    frames.forEach((fr, f) => expect(fr).toEqual(expectedFrame(f)));
  });

  it('out of memory at one frame per call rethrows the error', async () => {
    const { vae, calls } = fakeVae(0);
    const { done, shrinks } = run(3, 4, vae);
    await expect(done).rejects.toMatchObject({ appError: { code: 'out-of-memory' } });
    // 3 (min(⌊4/2⌋, 2) = 2) → 2 → 1, which fails too.
    expect(calls).toEqual([[0, 1, 2], [0, 1], [0]]);
    expect(shrinks).toEqual([2, 1]);
  });

  it('other errors are not retried', async () => {
    const vae: VaeDecoderNet = { decode: () => Promise.reject(appError('inference-failed', 'broken')) };
    const { done, shrinks } = run(4, 4, vae);
    await expect(done).rejects.toMatchObject({ appError: { code: 'inference-failed' } });
    expect(shrinks).toEqual([]);
  });

  it('stops between calls when the signal is aborted', async () => {
    const controller = new AbortController();
    const { vae, calls } = fakeVae();
    const order: number[] = [];
    const { done } = run(6, 2, vae, { onFrame: (f) => (order.push(f), f === 1 && controller.abort()), signal: controller.signal });
    await expect(done).rejects.toBeInstanceOf(CancelledError);
    expect(calls).toEqual([[0, 1]]);
    expect(order).toEqual([0, 1]);
  });

  it('rejects a frames-per-call below 1 and latents that do not match the shape', async () => {
    await expect(run(2, 0, fakeVae().vae).done).rejects.toThrow(/framesPerCall/);
    await expect(decodeFrames({ vae: fakeVae().vae, latents: new Float32Array(3), shape: [1, c, 2, h, w], scalingFactor: 1, width: W, height: H, framesPerCall: 1 })).rejects.toThrow(/values/);
  });
});
