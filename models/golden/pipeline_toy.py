"""Golden numbers for src/pipeline/generateVideo.test.ts.

An independent PyTorch implementation of MuseV's video loop (spec §1.3-§1.5, §2.5, §3; the
structure of MusevControlNetPipeline.__call__) driven by toy networks simple enough to write
twice (here and in the TS test), so that the test checks the pipeline's bookkeeping — condition
frame prepended clean and unscaled, windows, averaging, CFG order [uncond, cond], Euler update,
video_fusion + image-based noise from torch's CPU generator — against MuseV's formulas.

Run: /usr/bin/python3 models/golden/pipeline_toy.py  (writes src/pipeline/__golden__/toy_loop.json)
"""
import json
import math
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "src", "pipeline", "__golden__", "toy_loop.json")

SCALING = 0.18215


# ---- toy networks (mirrored in generateVideo.test.ts) ----
def toy_text(ids):  # ids (B, 77) -> (B, 77, 8): E[b,l,d] = sin(0.01 * id * (d + 1))
    ids = torch.tensor(ids, dtype=torch.float32)
    d = torch.arange(1, 9, dtype=torch.float32)
    return torch.sin(0.01 * ids[:, :, None] * d[None, None, :])


def toy_vae_encode(img):  # (1,3,H,W) -> (1,4,H/8,W/8): channel k = 8x8 mean of image channel k % 3, channel 3 negated
    pooled = torch.nn.functional.avg_pool2d(img, 8)
    return torch.cat([pooled, -pooled[:, :1]], dim=1)


def toy_unet(x, t, E, frame_index):  # x (B,4,T,h,w)
    # eps = 0.1·x + 0.05·mean_t(x) + 0.002·t/1000 + 0.3·mean(E[b]) + 0.01·frame_index[j]
    B, C, T, h, w = x.shape
    e = 0.1 * x + 0.05 * x.mean(dim=2, keepdim=True) + 0.002 * (t / 1000.0)
    e = e + 0.3 * E.mean(dim=(1, 2)).view(B, 1, 1, 1, 1)
    fi = torch.tensor(frame_index, dtype=torch.float32).view(1, 1, T, 1, 1)
    return e + 0.01 * fi


def toy_vae_decode(z):  # (1,4,h,w) -> (1,3,8h,8w): tanh of nearest upsample of channels 0..2 plus channel 3
    up = torch.nn.functional.interpolate(z, scale_factor=8, mode="nearest")
    return torch.tanh(up[:, :3] + 0.5 * up[:, 3:4])


# ---- diffusers EulerDiscreteScheduler (linspace spacing, epsilon), as in diffusers 0.24 ----
def euler_sigmas(n):
    betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=torch.float32) ** 2
    ac = torch.cumprod(1.0 - betas, dim=0)
    timesteps = np.linspace(0, 999, n, dtype=np.float32)[::-1].copy()
    sig = np.array(((1 - ac) / ac) ** 0.5)
    sig = np.interp(timesteps, np.arange(0, len(sig)), sig)
    sig = np.concatenate([sig, [0.0]]).astype(np.float32)
    return torch.from_numpy(timesteps), torch.from_numpy(sig)


def uniform_v2(n, context, overlap):
    s = context - overlap
    wins = [list(range(st, min(st + context, n))) for st in range(0, n, s)]
    if len(wins) >= 2 and wins[-1][-1] == wins[-2][-1]:
        wins = wins[:-1]
    return wins


def run_case(seed, width, height, frames, context, overlap, steps, guidance, w_ind=0.5, img_weight=1e-3):
    g = torch.Generator().manual_seed(seed)
    # deterministic image: RGB gradient, alpha 255, in [-1,1]
    yy, xx = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    rgb = np.stack([(xx * 255 // max(1, width - 1)), (yy * 255 // max(1, height - 1)), ((xx + yy) * 7 % 256)], 0).astype(np.uint8)
    img = torch.from_numpy(rgb.astype(np.float32) / 255.0 * 2 - 1)[None]
    neg_ids = [[49406] + [49407] * 76]
    pos_ids = [[49406, 320, 1611, 49407] + [49407] * 73]
    E = toy_text(neg_ids + pos_ids)  # (2,77,8)
    C = (toy_vae_encode(img) * SCALING)[:, :, None]  # (1,4,1,h,w)
    h, w = height // 8, width // 8
    n_common = torch.randn((1, 4, 1, h, w), generator=g)
    n_ind = torch.randn((1, 4, frames, h, w), generator=g)
    noise = math.sqrt(1 - w_ind) * n_common + math.sqrt(w_ind) * n_ind
    noise = math.sqrt(img_weight) * C.mean(dim=2, keepdim=True) + math.sqrt(1 - img_weight) * noise
    timesteps, sigmas = euler_sigmas(steps)
    L = noise * sigmas.max()
    wins = uniform_v2(frames, context, overlap)
    for i, t in enumerate(timesteps):
        acc = torch.zeros((2, 4, frames, h, w))
        cnt = torch.zeros((frames,))
        for c in wins:
            x = L[:, :, c]
            x = torch.cat([x, x], 0) / ((sigmas[i] ** 2 + 1) ** 0.5)
            xin = torch.cat([torch.cat([C, C], 0), x], dim=2)
            eps = toy_unet(xin, float(t), E, list(range(xin.shape[2])))
            acc[:, :, c] += eps[:, :, 1:]
            cnt[c] += 1
        acc = acc / cnt.view(1, 1, frames, 1, 1)
        e_u, e_c = acc.chunk(2)
        e = e_u + guidance * (e_c - e_u)
        L = L + (sigmas[i + 1] - sigmas[i]) * e  # Euler: (x - (x - σ e))/σ = e
    allz = torch.cat([C, L], dim=2)
    frames_out = []
    for f in range(allz.shape[2]):
        x = toy_vae_decode(allz[:, :, f] / SCALING)
        x = (x / 2 + 0.5).clamp(0, 1)
        frames_out.append((x[0].permute(1, 2, 0).numpy() * 255).astype(np.uint8).reshape(-1).tolist())
    return {
        "seed": seed, "width": width, "height": height, "frames": frames, "contextFrames": context,
        "contextOverlap": overlap, "steps": steps, "guidanceScale": guidance, "wIndNoise": w_ind, "imgWeight": img_weight,
        "image_rgb": rgb.transpose(1, 2, 0).reshape(-1).tolist(),
        "neg_ids": neg_ids[0], "pos_ids": pos_ids[0],
        "windows": wins,
        "latents": allz.reshape(-1).tolist(), "latents_shape": list(allz.shape),
        "frames_rgb_first": frames_out[0], "frames_rgb_last": frames_out[-1],
    }


if __name__ == "__main__":
    torch.set_num_threads(1)
    cases = [
        run_case(seed=1234, width=16, height=16, frames=10, context=4, overlap=2, steps=3, guidance=3.5),
        run_case(seed=7, width=24, height=16, frames=5, context=12, overlap=4, steps=4, guidance=2.0),
    ]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"generator": "models/golden/pipeline_toy.py", "torch": torch.__version__, "cases": cases}, f)
    print("wrote", OUT, [len(c["windows"]) for c in cases])
