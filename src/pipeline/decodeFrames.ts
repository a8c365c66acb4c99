/**
 * Phase 6 of generateVideo: the kept latents → RGBA frames, several frames per VAE decoder call.
 *
 * MuseV decodes one frame per call (VAE slicing); the exported `vae_decoder` graph has a dynamic
 * batch axis, latent (b, 4, h, w) → image (b, 3, 8h, 8w), and every layer of the VAE decoder acts
 * on each batch item alone (convolutions, GroupNorm, the mid-block attention over one frame's
 * pixels), so the frames can go through it `framesPerCall` at a time (memoryPlan's
 * `vaeFramesPerCall`). On the tiny packs the frames equal one-frame-per-call decoding byte for byte
 * (decodeFrames.test.ts).
 *
 * Notation: latents (1, c, T, h, w); a call decodes frames f … f + k − 1 (k = framesPerCall, the
 * last call of T frames may be smaller): z (k, c, h, w) with z[j] = latents[0, :, f + j], then
 * x = vae(z / scaling_factor) (k, 3, H, W) and frame f + j = tensorToRgba(x[j]), i.e.
 * (x/2 + 0.5).clamp(0, 1)·255 truncated, alpha 255.
 *
 * Worked example: T = 5, framesPerCall = 2 → calls [0, 1], [2, 3], [4].
 *   Out of memory on [2, 3] (k = 2): framesPerCall becomes 1, [2] and [3] and [4] follow.
 *   T = 7, framesPerCall = 4, out of memory on [4, 5, 6] (k = 3): framesPerCall becomes
 *   min(⌊4/2⌋, 3 − 1) = 2: [4, 5], then [6].
 * A call of one frame that runs out of memory rethrows the error.
 */
import { tensorToRgba } from '../core/imageTensor';
import { isOutOfMemory } from '../rpc/errors';
import { checkAbort } from './cancel';
import { decodeLatent } from './images';
import type { VaeDecoderNet } from './networks';

export interface DecodeFramesOptions {
  /** The VAE decoder; `decode` gets (k, c, h, w) already divided by the scaling factor. */
  vae: VaeDecoderNet;
  /** All kept latents, (1, c, T, h, w) row-major. */
  latents: Float32Array;
  /** [1, c, T, h, w]. */
  shape: readonly number[];
  /** The VAE's scaling_factor (0.18215 for SD 1.5). */
  scalingFactor: number;
  /** Output frame size, 8w × 8h. */
  width: number;
  height: number;
  /** Frames per VAE call, an integer ≥ 1 (memoryPlan's vaeFramesPerCall). */
  framesPerCall: number;
  /** Called once per frame, in frame order, as soon as its call returned. */
  onFrame?: (frame: number, rgba: Uint8ClampedArray) => void;
  /** Called after an out-of-memory call with the smaller frames-per-call the rest of the run uses. */
  onShrink?: (framesPerCall: number) => void;
  signal?: AbortSignal;
}


/** (1, c, T, h, w) frames f … f + k − 1 → (k, c, h, w): the frame axis becomes the batch. */
export function framesAsBatch(latents: Float32Array, shape: readonly number[], f: number, k: number): Float32Array {
  const [, c, T, h, w] = shape;
  const plane = h * w;
  const out = new Float32Array(k * c * plane);
  for (let j = 0; j < k; j++) {
    for (let ch = 0; ch < c; ch++) {
      const src = (ch * T + f + j) * plane;
      out.set(latents.subarray(src, src + plane), (j * c + ch) * plane);
    }
  }
  return out;
}

/** Decodes every frame of `latents`, `framesPerCall` per VAE call; returns the RGBA frames in order. */
export async function decodeFrames(o: DecodeFramesOptions): Promise<Uint8ClampedArray[]> {
  const { shape, width: W, height: H } = o;
  if (shape.length !== 5 || shape[0] !== 1) throw new Error(`decodeFrames: expected latents (1, c, T, h, w), got [${shape.join(', ')}]`);
  if (!Number.isInteger(o.framesPerCall) || o.framesPerCall < 1) throw new Error(`decodeFrames: framesPerCall must be an integer >= 1, got ${o.framesPerCall}`);
  const [, c, T, h, w] = shape;
  if (o.latents.length !== c * T * h * w) throw new Error(`decodeFrames: latents have ${o.latents.length} values, shape [${shape.join(', ')}] needs ${c * T * h * w}`);
  const frameValues = 3 * W * H;
  const frames: Uint8ClampedArray[] = [];
  let perCall = o.framesPerCall;
  let f = 0;
  while (f < T) {
    checkAbort(o.signal);
    const k = Math.min(perCall, T - f);
    let img: Float32Array;
    try {
      img = await decodeLatent(o.vae, framesAsBatch(o.latents, shape, f, k), [k, c, h, w], o.scalingFactor);
    } catch (e) {
      checkAbort(o.signal);
      if (k === 1 || !isOutOfMemory(e)) throw e;
      // Half the frames per call, and always fewer than the call that failed; retry from frame f.
      perCall = Math.max(1, Math.min(Math.floor(perCall / 2), k - 1));
      o.onShrink?.(perCall);
      continue;
    }
    checkAbort(o.signal);
    if (img.length !== k * frameValues) throw new Error(`decodeFrames: the VAE decoder returned ${img.length} values for ${k} frames of ${W}x${H}`);
    for (let j = 0; j < k; j++) {
      const rgba = tensorToRgba(img.subarray(j * frameValues, (j + 1) * frameValues), W, H);
      frames.push(rgba);
      o.onFrame?.(f + j, rgba);
    }
    f += k;
  }
  return frames;
}
