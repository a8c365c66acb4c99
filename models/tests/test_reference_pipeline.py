"""The PyTorch reference of MuseV's run (models/reference/pipeline.py) against the spec's tables, and
the golden runs it wrote for src/runtime/referenceParity.test.ts against the current tiny presets
(a preset change without `PYTHONPATH=models python3 models/reference/golden.py` fails here)."""
from __future__ import annotations

import base64
import json
import math

import numpy as np
import pytest
import torch

from reference import golden as gd
from reference.pipeline import draw_noise, euler_schedule, guidance_schedule, run, uniform, uniform_v2

SD15 = {"beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear", "num_train_timesteps": 1000}


def span(w):
    return (w[0], w[-1], len(w))


def test_windows_follow_the_spec_table():  # spec section 1.2, context_frames 12, overlap 4
    assert [span(w) for w in uniform_v2(13, 12, 4)] == [(0, 11, 12), (8, 12, 5)]
    assert [span(w) for w in uniform(13, 12, 4)] == [(0, 11, 12), (8, 6, 12)]
    assert [span(w) for w in uniform_v2(30, 12, 4)] == [(0, 11, 12), (8, 19, 12), (16, 27, 12), (24, 29, 6)]
    assert span(uniform(36, 12, 4)[-1]) == (32, 7, 12)
    v2 = uniform_v2(144, 12, 4)
    assert len(v2) == 18 and span(v2[-1]) == (136, 143, 8)
    assert span(uniform(144, 12, 4)[-1]) == (136, 3, 12)
    assert uniform_v2(10, 4, 2) == [[0, 1, 2, 3], [2, 3, 4, 5], [4, 5, 6, 7], [6, 7, 8, 9]]  # [8, 9] dropped


def test_guidance_schedules_follow_the_spec():  # spec section 2.1, n = 10, 3.5 -> 7.5
    assert guidance_schedule(3.5, None, 4) == [3.5] * 4
    lin = guidance_schedule(3.5, 7.5, 10, "linear")
    assert lin[0] == 3.5 and lin[-1] == 7.5 and abs(lin[1] - 3.9444) < 1e-4
    assert guidance_schedule(3.5, 7.5, 10, "two_stage") == [3.5] * 5 + [7.5] * 5
    assert guidance_schedule(3.5, 7.5, 10, "three_stage") == [3.5] * 3 + [5.0] * 3 + [7.5] * 4
    assert guidance_schedule(3.5, 7.5, 10, "fix_two_stage") == [3.5] * 3 + [7.5] * 7


def test_euler_sigmas_follow_the_spec():  # spec section 3, 10 steps
    t, s = euler_schedule(10, SD15)
    assert t[0] == 999 and t[-1] == 0
    want = [14.6147, 7.8399, 4.6092, 2.9183, 1.9502, 1.3449, 0.9324, 0.6250, 0.3687, 0.0292, 0]
    assert np.allclose(s.numpy(), want, atol=2e-4)


def test_step_noise_draws_move_the_generator_like_musev():
    # video_fusion: randn((b, c, 1, h, w)) then randn(shape), from the same generator
    a, b = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    draw_noise("video_fusion", (1, 4, 3, 2, 2), a, 0.5)
    torch.randn((1, 4, 1, 2, 2), generator=b)
    torch.randn((1, 4, 3, 2, 2), generator=b)
    assert torch.equal(torch.randn(16, generator=a), torch.randn(16, generator=b))


def _floats(x):
    return torch.from_numpy(np.frombuffer(base64.b64decode(x["f32"]), np.float32).reshape(x["shape"]).copy())


@pytest.mark.parametrize("family", ["musev", "referencenet"])
def test_golden_runs_match_the_current_tiny_preset(family):
    from musev_export.clip_vision import CLIP_MEAN, CLIP_STD
    from musev_export.presets import SD15_EULER, tiny_models
    from reference.pipeline import Nets, image_tensor

    if family == "referencenet":
        pytest.importorskip("PIL")  # the CLIP image steps use Pillow (Debian python3-pil)
    path = gd.OUT.format(family)
    golden = json.load(open(path))
    m = tiny_models("musev" if family == "musev" else "musev_referencenet")
    with torch.no_grad():
        E = m.text_encoder(torch.tensor([golden["texts"]["neg"], golden["texts"]["pos"]]))
    stale = f"{path} is stale: re-run `PYTHONPATH=models python3 models/reference/golden.py {family}`"
    assert torch.allclose(E, _floats(golden["E"]), atol=1e-5), stale
    clip = {"imageSize": m.clip_vision.config["image_size"], "mean": CLIP_MEAN, "std": CLIP_STD} if m.clip_vision else None
    nets = Nets(m.text_encoder, m.vae, m.unet, referencenet=m.referencenet, image_proj=m.image_proj, clip_vision=m.clip_vision,
                clip=clip, anivv1=family != "musev")
    c = golden["cases"][0]

    def img(x):
        if x is None:
            return None
        u8 = np.frombuffer(base64.b64decode(x["u8"]), np.uint8).reshape(x["height"], x["width"], 4)[:, :, :3].copy()
        return {"tensor": image_tensor(u8), "u8": u8}

    out = run(nets, {**c["request"], "scheduler": SD15_EULER}, E, image=img(c.get("image")), refer=img(c.get("referImage")),
              ip=img(c.get("ipAdapterImage")))
    # Thread count changes float32 reduction order; the run's own float32 noise band is `sensitivity`.
    diff = (out.latents - _floats(c["latents"])).abs().max().item()
    assert math.isfinite(c["sensitivity"])
    assert diff <= max(1e-4, 5 * c["sensitivity"]), f"{stale} (max diff {diff:.2e})"
