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


def unet(x, t, E, fi, skip_temporal=False, ip_tokens=None, ip_scale=None, refs=None, ref_mid=None):
    e = toy_unet(x, float(t), E, fi.tolist())
    if ip_tokens is not None:  # referencenet toy: + 0.05·s·mean(P[b]) + 0.02·mean(D0[b]) + 0.03·mean(M[b])
        B = x.shape[0]
        extra = 0.05 * ip_scale * ip_tokens.reshape(B, -1).mean(1) + 0.02 * refs[0].reshape(B, -1).mean(1) + 0.03 * ref_mid.reshape(B, -1).mean(1)
        e = e + extra.view(B, 1, 1, 1, 1)
    return e


unet.num_ref_features = lambda: 1


def toy_clip_vision(px):  # (B, 3, S, S) -> (B, 6): e[b, j] = mean(px[b, j % 3]) * (1 + j) / 6
    m = px.mean(dim=(2, 3))
    return torch.stack([m[:, j % 3] * (1 + j) / 6 for j in range(6)], 1)


class ToyImageProj:  # (B, 6) -> (B, 2, 8): P[b, k, d] = tanh(e[b, (8k + d) % 6]·(k + 1) + 0.01·d)
    tokens = 2

    def __call__(self, e):
        return torch.stack([torch.stack([torch.tanh(e[:, (8 * k + d) % 6] * (k + 1) + 0.01 * d) for d in range(8)], 1) for k in range(2)], 1)


def toy_referencenet(z, t, ctx):  # D0 = z·mean(ctx[b]) + 0.001·t; M = mean_hw(z) + 0.1
    B = z.shape[0]
    d0 = z * ctx.reshape(B, -1).mean(1).view(B, 1, 1, 1) + 0.001 * t
    return [d0], z.mean(dim=(2, 3), keepdim=True) + 0.1


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
    ("referencenet: refer + IP images, n_batch 2", dict(seed=8, width=16, height=16, frames=3, contextFrames=4, contextOverlap=0, steps=2,
                                                       guidanceScale=3.5, nBatch=2, ipAdapterScale=0.7, refnet=True, refer=1, ip=2, anivv1=True)),
    ("referencenet: condition image as refer and IP", dict(seed=9, width=16, height=16, frames=3, contextFrames=2, contextOverlap=1,
                                                           steps=2, guidanceScale=3.5, refnet=True)),
    ("referencenet: first frame generated with a refer image only", dict(seed=10, width=16, height=16, frames=3, contextFrames=4,
                                                                         contextOverlap=0, steps=2, guidanceScale=3.5, refnet=True, refer=1,
                                                                         firstFrame="generate", firstFrameSteps=3)),
    ("referencenet: first frame redrawn", dict(seed=11, width=16, height=16, frames=3, contextFrames=4, contextOverlap=0, steps=2,
                                               guidanceScale=3.5, refnet=True, firstFrame="redraw", firstFrameSteps=3, ip=2)),
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
        refnet = spec.pop("refnet", False)
        refer_seed, ip_seed = spec.pop("refer", None), spec.pop("ip", None)
        req = {"fps": 8, "motionSpeed": 8, "wIndNoise": 0.5, "imgWeight": 1e-3, "prompt": "pos", "negativePrompt": "neg", **spec}
        if req.get("firstFrame", "image") != "image":
            req["firstFrameNegativePrompt"] = "neg1"
        W, H = req["width"], req["height"]
        yy, xx = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")
        pic = lambda k: np.stack([xx * 255 // (W - 1), yy * 255 // (H - 1), (xx * 5 + yy * 11 + k * 3) % 256], -1).astype(np.uint8)  # noqa: E731
        as_img = lambda rgb: {"tensor": image_tensor(rgb), "u8": rgb}  # noqa: E731
        rgb = pic(req["seed"])
        img = None if req.get("firstFrame") == "generate" else as_img(rgb)
        refer = as_img(pic(40 + refer_seed)) if refer_seed is not None else None
        ip = as_img(pic(80 + ip_seed)) if ip_seed is not None else None
        nets = Nets(None, ToyVae(), unet, anivv1=anivv1)
        if refnet:
            nets.referencenet, nets.image_proj, nets.clip_vision = toy_referencenet, ToyImageProj(), toy_clip_vision
            nets.clip = {"imageSize": 8, "mean": [0.5, 0.4, 0.3], "std": [0.25, 0.2, 0.3]}
        out = run(nets, {**req, "scheduler": SD15}, E, E1, image=img, refer=refer, ip=ip)
        u8 = lambda x: x["u8"].reshape(-1).tolist() if x else None  # noqa: E731
        cases.append({"name": name, "request": req, "anivv1": anivv1, "refnet": refnet, "image_rgb": u8(img), "refer_rgb": u8(refer),
                      "ip_rgb": u8(ip), "latents": out.latents.reshape(-1).tolist(), "latents_shape": list(out.latents.shape)})
        print(name, tuple(out.latents.shape))
    with open(OUT, "w") as f:
        json.dump({"generator": "models/golden/pipeline_toy_run.py", "torch": torch.__version__,
                   "texts": {"pos": pos_ids, "neg": neg_ids, "neg1": neg1_ids}, "cases": cases}, f)
    print("wrote", OUT)
