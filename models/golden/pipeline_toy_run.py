"""Golden numbers for the whole-run part of src/pipeline/generateVideo.test.ts: the reference
pipeline (models/reference/pipeline.py) driven by the toy networks of pipeline_toy.py, for what the
one-shot toy loop does not cover: n_batch chaining (step-noise draws on the shared generator),
guidance schedules, the 'uniform' closed-loop schedule, random noise, image-based noise off,
frame_index · motion_speed (anivv1 packs), and the first frame generated / redrawn at T = 1.

Run: PYTHONPATH=models /usr/bin/python3 models/golden/pipeline_toy_run.py  -> src/pipeline/__golden__/toy_run.json
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pipeline_toy import toy_text, toy_unet, toy_vae_decode, toy_vae_encode  # noqa: E402
from reference.pipeline import Nets, image_tensor, run  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "pipeline", "__golden__", "toy_run.json")
SD15 = {"beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear", "num_train_timesteps": 1000}


class ToyVae:
    def encode_mean(self, x):
        return toy_vae_encode(x)

    def decode(self, z):
        return toy_vae_decode(z)


def unet(x, t, E, fi, skip_temporal=False, **_):
    return toy_unet(x, float(t), E, fi.tolist())


CASES = [
    ("n_batch 3, uniform, linear guidance", dict(seed=3, width=16, height=16, frames=6, contextFrames=4, contextOverlap=1, steps=3,
                                                 guidanceScale=3.0, guidanceScaleEnd=5.0, nBatch=3, contextSchedule="uniform")),
    ("n_batch 2, random noise, no image-based noise, three_stage", dict(seed=4, width=16, height=16, frames=5, contextFrames=3,
                                                                        contextOverlap=1, steps=4, guidanceScale=3.0, guidanceScaleEnd=6.0,
                                                                        guidanceMethod="three_stage", nBatch=2, noiseType="random",
                                                                        imageBasedNoise=False, fixConditionImages=True)),
    ("motion speed (anivv1)", dict(seed=5, width=16, height=16, frames=4, contextFrames=4, contextOverlap=0, steps=2,
                                   guidanceScale=3.5, motionSpeed=2.5, anivv1=True)),
    ("first frame generated", dict(seed=6, width=16, height=16, frames=4, contextFrames=4, contextOverlap=0, steps=2,
                                   guidanceScale=3.5, firstFrame="generate", firstFrameSteps=5, firstFrameGuidanceScale=7.5, nBatch=2)),
    ("first frame redrawn", dict(seed=7, width=16, height=16, frames=3, contextFrames=4, contextOverlap=0, steps=2,
                                 guidanceScale=3.5, firstFrame="redraw", firstFrameSteps=4, firstFrameGuidanceScale=5.0)),
]

if __name__ == "__main__":
    torch.set_num_threads(1)
    neg_ids = [49406] + [49407] * 76
    neg1_ids = [49406, 330, 49407] + [49407] * 74
    pos_ids = [49406, 320, 1611, 49407] + [49407] * 73
    E = toy_text([neg_ids, pos_ids])
    E1 = toy_text([neg1_ids, pos_ids])
    cases = []
    for name, spec in CASES:
        spec = dict(spec)
        anivv1 = spec.pop("anivv1", False)
        req = {"fps": 8, "motionSpeed": 8, "wIndNoise": 0.5, "imgWeight": 1e-3, "prompt": "pos", "negativePrompt": "neg", **spec}
        if req.get("firstFrame", "image") != "image":
            req["firstFrameNegativePrompt"] = "neg1"
        W, H = req["width"], req["height"]
        yy, xx = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")
        rgb = np.stack([xx * 255 // (W - 1), yy * 255 // (H - 1), (xx * 5 + yy * 11 + req["seed"] * 3) % 256], -1).astype(np.uint8)
        img = None if req.get("firstFrame") == "generate" else {"tensor": image_tensor(rgb), "u8": rgb}
        nets = Nets(None, ToyVae(), unet, anivv1=anivv1)
        out = run(nets, {**req, "scheduler": SD15}, E, E1, image=img)
        cases.append({"name": name, "request": req, "anivv1": anivv1, "image_rgb": rgb.reshape(-1).tolist() if img else None,
                      "latents": out.latents.reshape(-1).tolist(), "latents_shape": list(out.latents.shape)})
        print(name, tuple(out.latents.shape))
    with open(OUT, "w") as f:
        json.dump({"generator": "models/golden/pipeline_toy_run.py", "torch": torch.__version__,
                   "texts": {"pos": pos_ids, "neg": neg_ids, "neg1": neg1_ids}, "cases": cases}, f)
    print("wrote", OUT)
