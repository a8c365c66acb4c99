"""Golden numbers for src/core/pilResize.ts and src/core/clipImage.ts.

Pillow's BICUBIC resize (the library itself), MMCM's dynamic_crop_resize_image box, and transformers'
default CLIPImageProcessor steps re-stated with numpy (transformers is not installed here):
resize shortest edge (Pillow bicubic, new_long = int(S * long / short)), center crop
(top = (h - S) // 2), rescale (uint8 * 1/255 in float64, then float32), normalize in float32.
Run: /usr/bin/python3 models/golden/clip_image.py  (needs python3-pil)
   -> src/core/__golden__/clip_image.json
"""
import base64
import json
import math
import os

import numpy as np
from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "core", "__golden__", "clip_image.json")
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]


def b64(a):
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()


def image(seed, w, h):
    rng = np.random.RandomState(seed)
    yy, xx = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    smooth = np.stack([xx * 255 // max(1, w - 1), yy * 255 // max(1, h - 1), (xx + yy) * 3 % 256], -1)
    noise = rng.randint(0, 256, size=(h, w, 3))
    return np.where(rng.rand(h, w, 1) < 0.3, noise, smooth).astype(np.uint8)


def mmcm_crop_resize(img, tw, th):  # MMCM dynamic_crop_resize_image (resample=None -> Pillow's BICUBIC default)
    w, h = img.size
    if w / h >= tw / th:
        y1, y2 = 0, h - 1
        x1 = math.ceil((w - h * tw / th) / 2)
        x2 = math.ceil(w - (w - h * tw / th) / 2)
    else:
        x1, x2 = 0, w - 1
        y1 = math.ceil((h - w * th / tw) / 2)
        y2 = math.ceil(h - (h - w * th / tw) / 2)
    box = (max(0, x1), max(0, y1), min(x2, w - 1), min(y2, h - 1))
    return img.crop(box).resize((tw, th), resample=Image.BICUBIC)


def clip_process(img, S):
    w, h = img.size
    short, long = min(w, h), max(w, h)
    new_long = int(S * long / short)
    size = (S, new_long) if w <= h else (new_long, S)
    arr = np.array(img.resize(size, resample=Image.BICUBIC))  # (h, w, 3) uint8
    rh, rw = arr.shape[:2]
    top, left = (rh - S) // 2, (rw - S) // 2
    arr = arr[top:top + S, left:left + S]
    x = (arr.astype(np.float64) * (1 / 255)).astype(np.float32)
    x = (x - np.array(MEAN, dtype=np.float32)) / np.array(STD, dtype=np.float32)
    return x.transpose(2, 0, 1).astype(np.float32)


if __name__ == "__main__":
    resize_cases = []
    for seed, (w, h), (ow, oh) in [(1, (2, 1), (4, 1)), (2, (7, 5), (16, 11)), (3, (40, 30), (13, 9)), (4, (63, 63), (64, 64)), (5, (30, 50), (96, 160))]:
        src = image(seed, w, h)
        out = np.array(Image.fromarray(src).resize((ow, oh), resample=Image.BICUBIC))
        resize_cases.append({"w": w, "h": h, "outW": ow, "outH": oh, "src": b64(src), "out": b64(out)})
    clip_cases = []
    for seed, (w, h), S in [(11, (64, 64), 224), (12, (128, 64), 48), (13, (64, 192), 32), (14, (200, 150), 40)]:
        src = image(seed, w, h)
        pre = mmcm_crop_resize(Image.fromarray(src), w, h)
        pv = clip_process(pre, S).reshape(-1)
        # every 13th value keeps the file small (one 224 case is 150,528 values)
        clip_cases.append({"w": w, "h": h, "imageSize": S, "src": b64(src), "every": 13, "pixelValues": b64(pv[::13])})
    with open(OUT, "w") as f:
        json.dump({"generator": "models/golden/clip_image.py", "pillow": Image.__version__, "mean": MEAN, "std": STD,
                   "resize": resize_cases, "clip": clip_cases}, f)
    print("wrote", OUT)
