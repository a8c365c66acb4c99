import { describe, expect, it } from 'vitest';
import golden from './__golden__/euler_discrete.json';
import { EulerDiscreteScheduler, SD15_EULER_CONFIG, eulerTimesteps, torchLinspaceF32, type EulerConfig } from './eulerDiscrete';

// Golden values: models/golden/euler_discrete.py (diffusers' formulas in torch/numpy).

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, label: string) {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  for (let k = 0; k < expected.length; k++) {
    const tol = rel * Math.max(1, Math.abs(expected[k]));
    if (!(Math.abs(actual[k] - expected[k]) <= tol)) {
      throw new Error(`${label}[${k}]: got ${actual[k]}, expected ${expected[k]} (tol ${tol})`);
    }
  }
}

describe('EulerDiscreteScheduler schedules (golden)', () => {
  for (const c of golden.schedules) {
    const cfg = c.config as EulerConfig;
    const name = `${cfg.beta_schedule} ${cfg.timestep_spacing} n=${c.steps}`;
    it(`${name}: timesteps, sigmas and initNoiseSigma`, () => {
      const s = new EulerDiscreteScheduler(cfg);
      s.setTimesteps(c.steps);
      expectClose(s.timesteps, c.timesteps, 0, `${name} timesteps`);
      expectClose(s.sigmas, c.sigmas, 1e-6, `${name} sigmas`);
      expect(s.sigmas[c.steps]).toBe(0);
      expectClose([s.initNoiseSigma], [c.init_noise_sigma], 1e-6, `${name} initNoiseSigma`);
    });
  }

  it('reproduces the full SD1.5 σ(k) table of 1000 training sigmas', () => {
    const s = new EulerDiscreteScheduler(SD15_EULER_CONFIG);
    expectClose(s.trainSigmas, golden.sd15_train_sigmas, 1e-6, 'trainSigmas');
  });

  it("matches the spec §3 numbers (10 steps, linspace and leading)", () => {
    const s = new EulerDiscreteScheduler(SD15_EULER_CONFIG);
    s.setTimesteps(10);
    expect(Array.from(s.timesteps)).toEqual([999, 888, 777, 666, 555, 444, 333, 222, 111, 0]);
    const spec = [14.6147, 7.8399, 4.6092, 2.9183, 1.9502, 1.3449, 0.9324, 0.625, 0.3687, 0.0292, 0];
    spec.forEach((v, i) => expect(s.sigmas[i]).toBeCloseTo(v, 3));
    expect(s.initNoiseSigma).toBeCloseTo(14.6146, 3);
    const lead = new EulerDiscreteScheduler({ ...SD15_EULER_CONFIG, timestep_spacing: 'leading' });
    lead.setTimesteps(10);
    expect(Array.from(lead.timesteps)).toEqual([901, 801, 701, 601, 501, 401, 301, 201, 101, 1]);
    expect(lead.sigmas[0]).toBeCloseTo(8.3907, 4);
    expect(lead.initNoiseSigma).toBeCloseTo(Math.sqrt(lead.sigmas[0] ** 2 + 1), 5);
  });
});

describe('EulerDiscreteScheduler loop (golden, float32)', () => {
  it('runs 3 steps of scaleModelInput → fake eps → step like diffusers', () => {
    const { loop } = golden;
    const s = new EulerDiscreteScheduler(SD15_EULER_CONFIG);
    s.setTimesteps(loop.steps);
    expect(s.initNoiseSigma).toBeCloseTo(loop.init_noise_sigma, 5);
    let x = Float32Array.from(loop.x0, (v) => v * s.initNoiseSigma);
    for (let i = 0; i < loop.steps; i++) {
      const scaled = s.scaleModelInput(x, i);
      expectClose(scaled, loop.trace[i].scaled, 1e-5, `scaled@${i}`);
      // Same fake model as the Python reference: eps_k = 0.1·x_k + sin(k + i), in float32.
      const eps = scaled.map((v, k) => Math.fround(0.1) * v + Math.sin(k + i));
      const before = x.slice();
      x = s.step(eps, i, x);
      expectClose(x, loop.trace[i].x, 1e-5, `x@${i}`);
      expectClose(before, i === 0 ? Float32Array.from(loop.x0, (v) => v * s.initNoiseSigma) : loop.trace[i - 1].x, 1e-5, 'input untouched');
    }
  });

  it('step follows x + (σ1 − σ0)·eps for epsilon prediction', () => {
    const s = new EulerDiscreteScheduler(SD15_EULER_CONFIG);
    s.setTimesteps(10);
    const x = new Float32Array([s.sigmas[0], 0, -2]);
    const eps = new Float32Array([1, 0.5, 0]);
    const out = s.step(eps, 0, x);
    expect(out[0]).toBeCloseTo(s.sigmas[1], 4); // x0̂ = 0, so x' = σ1
    expect(out[1]).toBeCloseTo(0.5 * (s.sigmas[1] - s.sigmas[0]), 4);
    expect(out[2]).toBe(-2);
  });
});

describe('EulerDiscreteScheduler helpers and errors', () => {
  it('torchLinspaceF32 anchors both ends exactly', () => {
    const l = torchLinspaceF32(0.1, 0.7, 7);
    expect(l[0]).toBe(Math.fround(0.1));
    expect(l[6]).toBe(Math.fround(0.7));
    expect(l[3]).toBeCloseTo(0.4, 6);
  });

  it('trailing spacing rounds half to even like numpy (n = 16: 812.5 → 812)', () => {
    expect(Array.from(eulerTimesteps(16, 1000, 'trailing', 1)).slice(0, 4)).toEqual([999, 937, 874, 811]);
  });

  it('rejects unsupported configs and bad calls with clear messages', () => {
    expect(() => new EulerDiscreteScheduler({ prediction_type: 'v_prediction' as 'epsilon' })).toThrow(/prediction_type/);
    expect(() => new EulerDiscreteScheduler({ use_karras_sigmas: true })).toThrow(/karras/);
    expect(() => new EulerDiscreteScheduler({ beta_schedule: 'squaredcos_cap_v2' as 'linear' })).toThrow(/beta_schedule/);
    expect(() => new EulerDiscreteScheduler({ timestep_spacing: 'odd' as 'linspace' })).toThrow(/timestep_spacing/);
    const s = new EulerDiscreteScheduler(SD15_EULER_CONFIG);
    expect(() => s.scaleModelInput(new Float32Array(1), 0)).toThrow(/setTimesteps/);
    s.setTimesteps(4);
    expect(() => s.step(new Float32Array(2), 4, new Float32Array(2))).toThrow(/outside 0..3/);
    expect(() => s.step(new Float32Array(2), 0, new Float32Array(3))).toThrow(/eps has 2/);
    expect(() => s.setTimesteps(0)).toThrow(/steps must be/);
  });

  it('ignores extra diffusers keys (PNDM-era config file)', () => {
    const fromFile = JSON.parse('{"_class_name":"PNDMScheduler","beta_start":0.00085,"beta_end":0.012,"beta_schedule":"scaled_linear","clip_sample":false,"num_train_timesteps":1000,"set_alpha_to_one":false,"skip_prk_steps":true,"steps_offset":1,"trained_betas":null}') as EulerConfig;
    const s = new EulerDiscreteScheduler(fromFile);
    s.setTimesteps(10);
    expect(s.timesteps[0]).toBe(999);
    expect(s.sigmas[0]).toBeCloseTo(14.6146, 3);
  });
});
