"""Golden numbers for src/core/eulerDiscrete.ts.

Reproduces diffusers' EulerDiscreteScheduler (0.24-era, the version MuseV's fork pins) line by
line in torch + numpy, since the diffusers package itself is not installed here:
  __init__:        betas (torch float32 linspace), alphas_cumprod (torch cumprod),
                   sigmas = ((1 - ac) / ac) ** 0.5 (torch float32)
  set_timesteps:   timesteps per `timestep_spacing`, np.interp of the sigma table (float64),
                   append 0, cast float32
  init_noise_sigma: max sigma (linspace/trailing) or sqrt(max^2 + 1) (leading)
  scale_model_input: sample / ((sigma**2 + 1) ** 0.5)
  step (s_churn=0, epsilon): x0 = x - sigma*eps; d = (x - x0)/sigma; x + d*(sigma_next - sigma)
Run: /usr/bin/python3 models/golden/euler_discrete.py  -> src/core/__golden__/euler_discrete.json
"""
import json
import math
import os

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "core", "__golden__", "euler_discrete.json")

SD15 = dict(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
            prediction_type="epsilon", timestep_spacing="linspace", steps_offset=1,
            interpolation_type="linear", use_karras_sigmas=False)


class EulerRef:
    def __init__(self, cfg):
        self.cfg = cfg
        n = cfg["num_train_timesteps"]
        if cfg["beta_schedule"] == "linear":
            betas = torch.linspace(cfg["beta_start"], cfg["beta_end"], n, dtype=torch.float32)
        elif cfg["beta_schedule"] == "scaled_linear":
            betas = torch.linspace(cfg["beta_start"] ** 0.5, cfg["beta_end"] ** 0.5, n, dtype=torch.float32) ** 2
        else:
            raise ValueError(cfg["beta_schedule"])
        self.betas = betas
        self.alphas_cumprod = torch.cumprod(1.0 - betas, dim=0)

    def set_timesteps(self, num_inference_steps):
        cfg = self.cfg
        n_train = cfg["num_train_timesteps"]
        spacing = cfg["timestep_spacing"]
        if spacing == "linspace":
            timesteps = np.linspace(0, n_train - 1, num_inference_steps, dtype=np.float32)[::-1].copy()
        elif spacing == "leading":
            step_ratio = n_train // num_inference_steps
            timesteps = (np.arange(0, num_inference_steps) * step_ratio).round()[::-1].copy().astype(np.float32)
            timesteps += cfg["steps_offset"]
        elif spacing == "trailing":
            step_ratio = n_train / num_inference_steps
            timesteps = (np.arange(n_train, 0, -step_ratio)).round().copy().astype(np.float32)
            timesteps -= 1
        else:
            raise ValueError(spacing)
        sigmas = np.array(((1 - self.alphas_cumprod) / self.alphas_cumprod) ** 0.5)
        sigmas = np.interp(timesteps, np.arange(0, len(sigmas)), sigmas)
        sigmas = np.concatenate([sigmas, [0.0]]).astype(np.float32)
        self.sigmas = torch.from_numpy(sigmas)
        self.timesteps = torch.from_numpy(timesteps)

    @property
    def init_noise_sigma(self):
        if self.cfg["timestep_spacing"] in ["linspace", "trailing"]:
            return self.sigmas.max()
        return (self.sigmas.max() ** 2 + 1) ** 0.5

    def scale_model_input(self, sample, i):
        sigma = self.sigmas[i]
        return sample / ((sigma ** 2 + 1) ** 0.5)

    def step(self, model_output, i, sample):
        sample = sample.to(torch.float32)
        sigma = self.sigmas[i]
        gamma = 0.0  # s_churn = 0
        sigma_hat = sigma * (gamma + 1)
        pred_original_sample = sample - sigma_hat * model_output
        derivative = (sample - pred_original_sample) / sigma_hat
        dt = self.sigmas[i + 1] - sigma_hat
        return sample + derivative * dt


def f32list(t):
    return [float(v) for v in np.asarray(t, dtype=np.float32).tolist()]


def fake_eps(x, i):
    """eps_k = 0.1 * x_k + sin(k + i), k = flat element index; float32 throughout."""
    k = torch.arange(x.numel(), dtype=torch.float32).reshape(x.shape)
    return 0.1 * x + torch.sin(k + float(i))


def schedule_case(cfg, n):
    s = EulerRef(cfg)
    s.set_timesteps(n)
    return dict(config=cfg, steps=n, timesteps=f32list(s.timesteps), sigmas=f32list(s.sigmas),
                init_noise_sigma=float(s.init_noise_sigma))


def main():
    cases = []
    for n in (10, 25, 30):
        cases.append(schedule_case(SD15, n))
    cases.append(schedule_case(dict(SD15, timestep_spacing="leading"), 10))
    cases.append(schedule_case(dict(SD15, timestep_spacing="leading"), 30))
    cases.append(schedule_case(dict(SD15, timestep_spacing="trailing"), 10))
    cases.append(schedule_case(dict(SD15, timestep_spacing="trailing"), 30))
    cases.append(schedule_case(dict(SD15, timestep_spacing="trailing"), 7))
    cases.append(schedule_case(dict(SD15, timestep_spacing="trailing"), 16))
    cases.append(schedule_case(dict(SD15, beta_schedule="linear", beta_start=0.0001, beta_end=0.02), 10))

    ref = EulerRef(SD15)
    full_table = f32list(((1 - ref.alphas_cumprod) / ref.alphas_cumprod) ** 0.5)

    # 3-step full loop on a small fixed tensor (shape (1, 2, 2, 2, 2) = 16 elements).
    loop_steps = 3
    s = EulerRef(SD15)
    s.set_timesteps(loop_steps)
    x0 = torch.tensor([math.cos(0.7 * k) for k in range(16)], dtype=torch.float32).reshape(1, 2, 2, 2, 2)
    x = x0 * s.init_noise_sigma
    trace = []
    for i in range(loop_steps):
        scaled = s.scale_model_input(x, i)
        eps = fake_eps(scaled, i)
        x = s.step(eps, i, x)
        trace.append(dict(scaled=f32list(scaled.flatten()), eps=f32list(eps.flatten()), x=f32list(x.flatten())))
    loop = dict(steps=loop_steps, x0=f32list(x0.flatten()), init_noise_sigma=float(s.init_noise_sigma), trace=trace)

    doc = dict(
        source="models/golden/euler_discrete.py (diffusers EulerDiscreteScheduler formulas in torch %s / numpy %s)"
        % (torch.__version__, np.__version__),
        schedules=cases, sd15_train_sigmas=full_table, loop=loop)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f)
    print("wrote", os.path.normpath(OUT))
    for c in cases[:1] + cases[3:4]:
        print(c["config"]["timestep_spacing"], c["timesteps"][:3], c["sigmas"][:3], c["init_noise_sigma"])


if __name__ == "__main__":
    main()
