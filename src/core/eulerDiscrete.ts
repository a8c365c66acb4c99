/**
 * Euler discrete scheduler, numerically matching diffusers' `EulerDiscreteScheduler` (the 0.24-era
 * class MuseV's fork subclasses; spec §3) for epsilon prediction, linear sigma interpolation,
 * no Karras sigmas and s_churn = 0 (deterministic Euler).
 *
 * Notation (diffusers' scheduling_euler_discrete.py):
 *   T            num_train_timesteps (1000)
 *   β_k          beta_schedule over k = 0..T-1: 'linear' = linspace(β_start, β_end, T),
 *                'scaled_linear' = linspace(√β_start, √β_end, T)²  (torch float32 linspace)
 *   ᾱ_k          ∏_{j≤k} (1 − β_j)  (torch.cumprod: float32 values, double accumulator on CPU)
 *   σ(k)         √((1 − ᾱ_k)/ᾱ_k), evaluated in float32; σ(t) for fractional t is np.interp (float64)
 *   t_i          inference timesteps, i = 0..n-1, descending
 *   σ_i          σ(t_i) stored as float32, with σ_n = 0 appended
 *   x, eps       latents and the model's noise prediction at step i
 *
 * Precision: every value is rounded to float32 where diffusers holds a float32 tensor
 * (`Math.fround` after each operation), so outputs agree with diffusers to ~1 ulp.
 *
 * Worked example (SD1.5 config: scaled_linear, β 0.00085..0.012, linspace spacing), n = 10:
 *   t = linspace(0, 999, 10) reversed = 999, 888, 777, …, 111, 0
 *   σ = 14.6146, 7.8399, 4.6092, 2.9183, 1.9502, 1.3449, 0.9324, 0.6250, 0.3687, 0.0292, 0
 *   initNoiseSigma = σ_max = 14.6146
 *   'leading' spacing: t = (0..9)·(1000 // 10) reversed + steps_offset = 901, 801, …, 1;
 *                      σ_0 = 8.3907 and initNoiseSigma = √(σ_max² + 1) = 8.4501
 *   'trailing' spacing: t = round(arange(1000, 0, −1000/n)) − 1 = 999, 899, …, 99
 *   scaleModelInput(x, 0) = x / √(14.6146² + 1) = x · 0.068265
 *   step(eps, i, x): x0̂ = x − σ_i·eps; d = (x − x0̂)/σ_i; x' = x + (σ_{i+1} − σ_i)·d
 *     e.g. x = 14.6146, eps = 1, i = 0: x0̂ = 0, d = 1, x' = 14.6146 + (7.8399 − 14.6146) = 7.8399
 */

/**
 * diffusers scheduler_config.json keys (snake_case). Extra keys of a real config file
 * (`_class_name`, `clip_sample`, `skip_prk_steps`, …) are ignored at run time.
 */
export interface EulerConfig {
  num_train_timesteps?: number;
  beta_start?: number;
  beta_end?: number;
  beta_schedule?: 'scaled_linear' | 'linear';
  prediction_type?: 'epsilon';
  timestep_spacing?: 'linspace' | 'leading' | 'trailing';
  steps_offset?: number;
  interpolation_type?: 'linear';
  use_karras_sigmas?: boolean;
  trained_betas?: null;
  /** Bookkeeping keys of real config files; ignored. */
  _class_name?: string;
  _diffusers_version?: string;
  clip_sample?: boolean;
  set_alpha_to_one?: boolean;
  skip_prk_steps?: boolean;
}

/** The config after defaults are filled in. */
export interface ResolvedEulerConfig {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: 'scaled_linear' | 'linear';
  prediction_type: 'epsilon';
  timestep_spacing: 'linspace' | 'leading' | 'trailing';
  steps_offset: number;
  interpolation_type: 'linear';
  use_karras_sigmas: boolean;
}

/** diffusers' EulerDiscreteScheduler.__init__ defaults. */
export const EULER_DEFAULTS = {
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: 'linear',
  prediction_type: 'epsilon',
  timestep_spacing: 'linspace',
  steps_offset: 0,
  interpolation_type: 'linear',
  use_karras_sigmas: false,
} as const;

/** Stable Diffusion 1.5's scheduler config as MuseV reads it (spec §3; no timestep_spacing key → linspace). */
export const SD15_EULER_CONFIG: EulerConfig = {
  num_train_timesteps: 1000,
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  prediction_type: 'epsilon',
  steps_offset: 1,
};

const f = Math.fround;

/**
 * torch.linspace(start, end, steps, dtype=float32) on CPU: two halves anchored at each end,
 * start + step·i (i < steps/2) or end − step·(steps − 1 − i), each rounded once to float32.
 * torch builds differ here by 1 ulp on some entries (torch 1.13's AVX2 kernel steps 8-wide
 * vectors from a base); the effect on σ is below 3e-7 relative.
 */
export function torchLinspaceF32(start: number, end: number, steps: number): Float32Array<ArrayBuffer> {
  const out = new Float32Array(steps);
  const s = f(start);
  const e = f(end);
  if (steps === 1) {
    out[0] = s;
    return out;
  }
  const step = f(f(e - s) / (steps - 1));
  const halfway = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) {
    out[i] = i < halfway ? f(s + step * i) : f(e - step * (steps - i - 1));
  }
  return out;
}

/** numpy's round (half to even), as used by `.round()` on timesteps. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Inference timesteps (descending) per diffusers' `timestep_spacing`, as float32 values. */
export function eulerTimesteps(
  n: number,
  trainSteps: number,
  spacing: 'linspace' | 'leading' | 'trailing',
  stepsOffset: number,
): Float64Array {
  const t = new Float64Array(n);
  if (spacing === 'linspace') {
    // np.linspace(0, T-1, n, dtype=float32)[::-1]: i·step in float64, last point exactly T-1.
    const step = n > 1 ? (trainSteps - 1) / (n - 1) : 0;
    for (let i = 0; i < n; i++) t[n - 1 - i] = f(i === n - 1 && n > 1 ? trainSteps - 1 : i * step);
  } else if (spacing === 'leading') {
    const ratio = Math.floor(trainSteps / n);
    for (let i = 0; i < n; i++) t[n - 1 - i] = f(i * ratio) + stepsOffset;
  } else if (spacing === 'trailing') {
    // np.arange(T, 0, -T/n).round() - 1; numpy fills arange as start + i·((start + step) − start).
    const step = -trainSteps / n;
    const len = Math.ceil((0 - trainSteps) / step);
    if (len !== n) throw new Error(`eulerTimesteps: trailing spacing gives ${len} timesteps for n=${n}`);
    const delta = trainSteps + step - trainSteps;
    for (let i = 0; i < n; i++) t[i] = f(roundHalfEven(i === 0 ? trainSteps : trainSteps + i * delta)) - 1;
  } else {
    throw new Error(`eulerTimesteps: unsupported timestep_spacing '${String(spacing)}'`);
  }
  return t;
}

/** np.interp(x, arange(len(fp)), fp) in float64 (x within [0, len-1]). */
function interpUnitGrid(x: number, fp: Float32Array): number {
  const last = fp.length - 1;
  if (x <= 0) return fp[0];
  if (x >= last) return fp[last];
  const j = Math.floor(x);
  if (j === x) return fp[j];
  const slope = fp[j + 1] - fp[j];
  return slope * (x - j) + fp[j];
}

export class EulerDiscreteScheduler {
  readonly config: ResolvedEulerConfig;
  /** ᾱ_k for k = 0..T-1 (float32). */
  readonly alphasCumprod: Float32Array;
  /** σ(k) = √((1 − ᾱ_k)/ᾱ_k) for k = 0..T-1 (float32), ascending in k. */
  readonly trainSigmas: Float32Array;
  /** t_i, descending; empty until setTimesteps. Values are float32-representable. */
  timesteps: Float64Array = new Float64Array(0);
  /** σ_0..σ_{n-1}, then 0 (length n + 1). */
  sigmas: Float32Array = new Float32Array(0);

  constructor(config: EulerConfig = {}) {
    const c = { ...EULER_DEFAULTS, ...stripUndefined(config) } as ResolvedEulerConfig;
    if (config.trained_betas != null) throw new Error('EulerDiscreteScheduler: trained_betas is not supported');
    if (c.prediction_type !== 'epsilon') throw new Error(`EulerDiscreteScheduler: prediction_type '${String(c.prediction_type)}' is not supported (only 'epsilon')`);
    if (c.interpolation_type !== 'linear') throw new Error(`EulerDiscreteScheduler: interpolation_type '${String(c.interpolation_type)}' is not supported (only 'linear')`);
    if (c.use_karras_sigmas) throw new Error('EulerDiscreteScheduler: use_karras_sigmas is not supported');
    if ((config as Record<string, unknown>).rescale_betas_zero_snr) throw new Error('EulerDiscreteScheduler: rescale_betas_zero_snr is not supported');
    if (!['linspace', 'leading', 'trailing'].includes(c.timestep_spacing)) {
      throw new Error(`EulerDiscreteScheduler: unsupported timestep_spacing '${String(c.timestep_spacing)}'`);
    }
    if (!Number.isInteger(c.num_train_timesteps) || c.num_train_timesteps < 2) {
      throw new Error(`EulerDiscreteScheduler: num_train_timesteps must be an integer ≥ 2, got ${c.num_train_timesteps}`);
    }
    this.config = c;
    const T = c.num_train_timesteps;
    let betas: Float32Array;
    if (c.beta_schedule === 'linear') {
      betas = torchLinspaceF32(c.beta_start, c.beta_end, T);
    } else if (c.beta_schedule === 'scaled_linear') {
      betas = torchLinspaceF32(Math.sqrt(c.beta_start), Math.sqrt(c.beta_end), T).map((b) => f(b * b));
    } else {
      throw new Error(`EulerDiscreteScheduler: unsupported beta_schedule '${String(c.beta_schedule)}'`);
    }
    this.alphasCumprod = new Float32Array(T);
    this.trainSigmas = new Float32Array(T);
    let acc = 1; // torch CPU cumprod accumulates in double, stores float32
    for (let k = 0; k < T; k++) {
      acc *= f(1 - betas[k]);
      const a = f(acc);
      this.alphasCumprod[k] = a;
      this.trainSigmas[k] = f(Math.sqrt(f(f(1 - a) / a)));
    }
  }

  /** Prepare timesteps t_i and sigmas σ_i (with the final 0) for n inference steps. */
  setTimesteps(n: number): void {
    if (!Number.isInteger(n) || n < 1 || n > this.config.num_train_timesteps) {
      throw new Error(`setTimesteps: steps must be an integer in [1, ${this.config.num_train_timesteps}], got ${n}`);
    }
    const c = this.config;
    this.timesteps = eulerTimesteps(n, c.num_train_timesteps, c.timestep_spacing, c.steps_offset);
    const sigmas = new Float32Array(n + 1);
    for (let i = 0; i < n; i++) sigmas[i] = interpUnitGrid(this.timesteps[i], this.trainSigmas);
    sigmas[n] = 0;
    this.sigmas = sigmas;
  }

  get numInferenceSteps(): number {
    return this.timesteps.length;
  }

  /** Scale of the initial noise: σ_max (linspace, trailing) or √(σ_max² + 1) (leading). */
  get initNoiseSigma(): number {
    this.requireTimesteps('initNoiseSigma');
    let max = 0;
    for (const s of this.sigmas) max = Math.max(max, s);
    if (this.config.timestep_spacing === 'leading') return f(Math.sqrt(f(f(max * max) + 1)));
    return max;
  }

  /** x / √(σ_i² + 1), a new array (the input is not modified). */
  scaleModelInput(x: Float32Array, i: number): Float32Array<ArrayBuffer> {
    const sigma = this.sigmaAt(i, 'scaleModelInput');
    const d = f(Math.sqrt(f(f(sigma * sigma) + 1)));
    const out = new Float32Array(x.length);
    for (let k = 0; k < x.length; k++) out[k] = x[k] / d;
    return out;
  }

  /**
   * One Euler step from σ_i to σ_{i+1} (epsilon prediction, s_churn = 0), in diffusers' operation order:
   * x0̂ = x − σ·eps; d = (x − x0̂)/σ; x' = x + d·(σ_{i+1} − σ). Returns a new array.
   */
  step(eps: Float32Array, i: number, x: Float32Array): Float32Array<ArrayBuffer> {
    if (eps.length !== x.length) throw new Error(`step: eps has ${eps.length} values but x has ${x.length}`);
    const sigma = this.sigmaAt(i, 'step');
    const dt = f(this.sigmas[i + 1] - sigma);
    const out = new Float32Array(x.length);
    for (let k = 0; k < x.length; k++) {
      const x0 = f(x[k] - f(sigma * eps[k]));
      const d = f(f(x[k] - x0) / sigma);
      out[k] = x[k] + f(d * dt);
    }
    return out;
  }

  private sigmaAt(i: number, who: string): number {
    this.requireTimesteps(who);
    if (!Number.isInteger(i) || i < 0 || i >= this.timesteps.length) {
      throw new Error(`${who}: step index ${i} is outside 0..${this.timesteps.length - 1}`);
    }
    return this.sigmas[i];
  }

  private requireTimesteps(who: string): void {
    if (this.timesteps.length === 0) throw new Error(`${who}: call setTimesteps(n) first`);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}
