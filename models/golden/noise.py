"""Golden numbers for src/core/noise.ts: MuseV's initial noise (spec §2.5).

Reproduces musev/utils/noise_util.py (`random_noise`, `video_fusion_noise`) and the image-based
branch of `MusevControlNetPipeline.prepare_latents`, with a CPU torch.Generator as diffusers'
`randn_tensor` uses it: torch.randn(shape, generator=g, dtype=float32).
einops is not installed here, so `repeat(c, "b c t h w->b c (t x) h w", x=T)` is written as expand.
Run: /usr/bin/python3 models/golden/noise.py  -> src/core/__golden__/noise.json
"""
import json
import math
import os

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "core", "__golden__", "noise.json")


def random_noise(shape, generator):
    return torch.randn(shape, generator=generator, dtype=torch.float32)


def video_fusion_noise(shape, generator, w_ind_noise=0.5):
    b, c, t, h, w = shape
    common_noise = torch.randn((b, c, 1, h, w), generator=generator, dtype=torch.float32)
    ind_noise = torch.randn(shape, generator=generator, dtype=torch.float32)
    s = torch.tensor(w_ind_noise, dtype=torch.float32)
    return torch.sqrt(1 - s) * common_noise + torch.sqrt(s) * ind_noise


def img_based_noise(noise, condition_latents, img_weight=1e-3):
    video_length = noise.shape[2]
    cl = condition_latents.mean(dim=2, keepdim=True)
    cl = cl.expand(-1, -1, video_length, -1, -1)
    return img_weight ** 0.5 * cl + (1 - img_weight) ** 0.5 * noise


def cond_latent(shape):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([math.sin(0.37 * k) * 1.5 for k in range(n)], dtype=torch.float32).reshape(shape)


def flat(t):
    return [float(v) for v in t.flatten().tolist()]


def main():
    cases = []
    for seed, shape, kind, w_ind, cond_shape, img_weight in [
        (0, (1, 4, 3, 4, 4), "video_fusion", 0.5, None, None),
        (42, (1, 4, 5, 2, 4), "video_fusion", 0.3, None, None),
        (7, (2, 4, 3, 2, 4), "video_fusion", 0.5, None, None),
        (11, (1, 4, 3, 4, 4), "random", None, None, None),
        (2024, (1, 4, 6, 4, 4), "video_fusion", 0.5, (1, 4, 1, 4, 4), 1e-3),
        (5, (1, 4, 3, 2, 4), "video_fusion", 0.5, (1, 4, 2, 2, 4), 0.2),
        (8, (2, 4, 2, 2, 4), "random", None, (1, 4, 1, 2, 4), 0.5),
    ]:
        g = torch.Generator().manual_seed(seed)
        if kind == "random":
            noise = random_noise(shape, g)
        else:
            noise = video_fusion_noise(shape, g, w_ind)
        case = dict(seed=seed, shape=list(shape), type=kind, w_ind_noise=w_ind, noise=flat(noise))
        if cond_shape is not None:
            cl = cond_latent(cond_shape)
            case.update(cond_shape=list(cond_shape), cond=flat(cl), img_weight=img_weight,
                        img_based=flat(img_based_noise(noise, cl, img_weight)))
        # what comes next from the same generator (proves the stream position)
        case["next_randn16"] = flat(torch.randn((16,), generator=g))
        cases.append(case)
    doc = dict(source="models/golden/noise.py (MuseV noise_util.py + prepare_latents, torch %s CPU)" % torch.__version__,
               cases=cases)
    with open(OUT, "w") as f:
        json.dump(doc, f)
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
