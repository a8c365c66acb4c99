/**
 * MuseV's initial video noise (spec §2.5; musev/utils/noise_util.py and
 * `MusevControlNetPipeline.prepare_latents`), drawn with torch.randn semantics so that a seed
 * gives the same noise as MuseV run with a CPU `torch.Generator().manual_seed(seed)`.
 *
 * Notation (latents are (b, c, t, h, w), row-major Float32Array):
 *   n_common   (b, c, 1, h, w) noise shared by all frames; drawn FIRST
 *   n_ind      (b, c, t, h, w) per-frame noise; drawn second, from the same generator
 *   w          w_ind_noise (MuseV default 0.5)
 *   n          √(1−w)·n_common (broadcast over t) + √w·n_ind           ('video_fusion')
 *              n_ind alone                                             ('random')
 *   C          condition latent (b or 1, c, nv, h, w); C̄ = mean over its nv frames
 *   iw         img_weight (MuseV default 1e-3)
 *   n'         √iw·C̄ (broadcast over t) + √(1−iw)·n                   (image-based noise)
 * The pipeline then sets latents = n'·initNoiseSigma (not done here).
 *
 * Worked example (w = 0.5, iw = 1e-3): √(1−w) = √w = 0.70710677 (float32), so a pixel with
 * n_common = 1, n_ind = −1 gets n = 0; √iw = 0.031622775 and √(1−iw) = 0.9994999, so with
 * C̄ = 2 and n = 1 the image-based noise is 0.06324555 + 0.9994999 = 1.0627454.
 * Every frame of the common term is identical; frames differ only through n_ind.
 *
 * Arithmetic is float32 (Math.fround), matching torch's float32 tensors and float32-cast scalars.
 */
import type { Mt19937 } from './mt19937';
import { skipTorchRandn, torchRandn } from './torchRandn';

const f = Math.fround;

export type NoiseType = 'random' | 'video_fusion';

function checkShape5(shape: readonly number[], who: string): [number, number, number, number, number] {
  if (shape.length !== 5 || shape.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new Error(`${who}: expected a (b, c, t, h, w) shape of positive integers, got [${shape.join(', ')}]`);
  }
  return shape as unknown as [number, number, number, number, number];
}

function checkWeight(v: number, name: string, who: string): void {
  if (!(v >= 0 && v <= 1)) throw new Error(`${who}: ${name} must be in [0, 1], got ${v}`);
}

/** MuseV `random_noise`: i.i.d. N(0, 1) of `shape`, i.e. torch.randn(shape, generator). */
export function randomNoise(opts: { shape: readonly number[]; rng: Mt19937 }): Float32Array<ArrayBuffer> {
  checkShape5(opts.shape, 'randomNoise');
  return torchRandn(opts.shape, opts.rng);
}

/**
 * MuseV `video_fusion_noise`: n = √(1−w)·n_common + √w·n_ind, n_common (b,c,1,h,w) drawn first.
 * `commonNoise` replaces the draw of n_common (MuseV's `initial_common_noise`); then only n_ind
 * is drawn from `rng`.
 */
export function videoFusionNoise(opts: {
  shape: readonly number[];
  wInd: number;
  rng: Mt19937;
  commonNoise?: Float32Array;
}): Float32Array<ArrayBuffer> {
  const [b, c, t, h, w] = checkShape5(opts.shape, 'videoFusionNoise');
  checkWeight(opts.wInd, 'wInd', 'videoFusionNoise');
  const plane = h * w;
  let common: Float32Array;
  if (opts.commonNoise) {
    if (opts.commonNoise.length !== b * c * plane) {
      throw new Error(`videoFusionNoise: commonNoise must have ${b * c * plane} values (b, c, 1, h, w), got ${opts.commonNoise.length}`);
    }
    common = opts.commonNoise;
  } else {
    common = torchRandn([b, c, 1, h, w], opts.rng);
  }
  const ind = torchRandn([b, c, t, h, w], opts.rng);
  const s = f(opts.wInd);
  const aCommon = f(Math.sqrt(f(1 - s)));
  const aInd = f(Math.sqrt(s));
  const out = new Float32Array(ind.length);
  for (let bc = 0; bc < b * c; bc++) {
    for (let ti = 0; ti < t; ti++) {
      const o = (bc * t + ti) * plane;
      const oc = bc * plane;
      for (let p = 0; p < plane; p++) out[o + p] = f(aCommon * common[oc + p]) + f(aInd * ind[o + p]);
    }
  }
  return out;
}

/** Dispatch on MuseV's `noise_type`. */
export function initialNoise(opts: { type: NoiseType; shape: readonly number[]; wInd?: number; rng: Mt19937 }): Float32Array<ArrayBuffer> {
  if (opts.type === 'random') return randomNoise(opts);
  if (opts.type === 'video_fusion') return videoFusionNoise({ shape: opts.shape, wInd: opts.wInd ?? 0.5, rng: opts.rng });
  throw new Error(`initialNoise: unknown noise type '${String(opts.type)}' (use 'random' or 'video_fusion')`);
}

/**
 * Image-based video noise: n' = √iw·mean_t(C) + √(1−iw)·n, with mean_t(C) broadcast to all t frames.
 * `noise` is (b, c, t, h, w); `cond` is (b or 1, c, nv, h, w). Returns a new array.
 */
export function applyImageBasedNoise(
  noise: Float32Array,
  noiseShape: readonly number[],
  cond: Float32Array,
  condShape: readonly number[],
  imgWeight: number,
): Float32Array<ArrayBuffer> {
  const [b, c, t, h, w] = checkShape5(noiseShape, 'applyImageBasedNoise');
  const [cb, cc, nv, ch, cw] = checkShape5(condShape, 'applyImageBasedNoise');
  checkWeight(imgWeight, 'imgWeight', 'applyImageBasedNoise');
  if (noise.length !== b * c * t * h * w) throw new Error(`applyImageBasedNoise: noise has ${noise.length} values, shape says ${b * c * t * h * w}`);
  if (cond.length !== cb * cc * nv * ch * cw) throw new Error(`applyImageBasedNoise: cond has ${cond.length} values, shape says ${cb * cc * nv * ch * cw}`);
  if ((cb !== 1 && cb !== b) || cc !== c || ch !== h || cw !== w) {
    throw new Error(`applyImageBasedNoise: condition shape [${condShape.join(', ')}] does not match noise shape [${noiseShape.join(', ')}]`);
  }
  const plane = h * w;
  const aImg = f(Math.sqrt(imgWeight));
  const aNoise = f(Math.sqrt(1 - imgWeight));
  const mean = new Float32Array(plane);
  const out = new Float32Array(noise.length);
  for (let bi = 0; bi < b; bi++) {
    for (let ci = 0; ci < c; ci++) {
      // C̄ = sum over nv frames (float32) / nv, as torch's mean.
      const cBase = ((bi % cb) * c + ci) * nv * plane;
      for (let p = 0; p < plane; p++) {
        let s = 0;
        for (let v = 0; v < nv; v++) s = f(s + cond[cBase + v * plane + p]);
        mean[p] = s / nv;
      }
      for (let ti = 0; ti < t; ti++) {
        const o = ((bi * c + ci) * t + ti) * plane;
        for (let p = 0; p < plane; p++) out[o + p] = f(aImg * mean[p]) + f(aNoise * noise[o + p]);
      }
    }
  }
  return out;
}

/**
 * The noise MuseV's Euler `step` draws and then multiplies by 0 (s_churn = 0, spec §2.5, §3;
 * musev/schedulers/scheduling_euler_discrete.py): it only advances the generator. The pipeline
 * passes `noise_type`/`w_ind_noise` to `step` only for 'video_fusion'; otherwise `step` uses its
 * default 'random'. `shape` is the model output's, (b, c, t, h, w) after CFG (b = 1).
 *   'random':       one randn(shape)
 *   'video_fusion': randn((b, c, 1, h, w)) then randn(shape), like videoFusionNoise
 * Nothing is computed: the generator is moved exactly as far as those draws move it.
 */
export function advanceStepNoise(opts: { type: NoiseType; shape: readonly number[]; rng: Mt19937 }): void {
  const [b, c, , h, w] = checkShape5(opts.shape, 'advanceStepNoise');
  if (opts.type === 'video_fusion') skipTorchRandn([b, c, 1, h, w], opts.rng);
  else if (opts.type !== 'random') throw new Error(`advanceStepNoise: unknown noise type '${String(opts.type)}'`);
  skipTorchRandn(opts.shape, opts.rng);
}
