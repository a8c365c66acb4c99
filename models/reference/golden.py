"""Golden runs of the reference pipeline (models/reference/pipeline.py) on the tiny packs' weights,
for src/runtime/referenceParity.test.ts: the TypeScript pipeline on the real pack graphs
(onnxruntime-web, wasm) must give the same final latents within 1e-3 from the same seed and the
same text embeddings.

Run: PYTHONPATH=models /usr/bin/python3 models/reference/golden.py [musev] [referencenet]
     (needs python3-pil for the CLIP image steps; the referencenet FaceID cases need python3-opencv
     and node + onnxruntime-node for the pack's insightface graphs, reference/face_embedding.py)
     -> src/pipeline/__golden__/reference_<family>.json
Arrays are base64 little-endian (float32, or uint8 for RGBA images) with their shapes.
"""
import base64
import json
import os
import sys
import time

import numpy as np
import torch

from musev_export.clip_vision import CLIP_MEAN, CLIP_STD
from musev_export.presets import SD15_EULER, tiny_models
from reference.pipeline import Jitter, Nets, image_tensor, run

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "src", "pipeline", "__golden__", "reference_{}.json")
BOS, EOS = 912, 913  # the tiny tokenizer's <|startoftext|>, <|endoftext|> (manifest.tokenizer)
W = H = 64


def f32(t):
    a = t.detach().numpy().astype(np.float32) if isinstance(t, torch.Tensor) else np.asarray(t, np.float32)
    return {"shape": list(a.shape), "f32": base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()}


def rgba(rgb):
    a = np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 255, np.uint8)], -1)
    return {"width": rgb.shape[1], "height": rgb.shape[0], "u8": base64.b64encode(a.tobytes()).decode()}


def picture(seed):
    rng = np.random.RandomState(seed)
    yy, xx = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")
    base = np.stack([xx * 4 + seed * 40, yy * 4, (xx * yy) % 256], -1) % 256
    noise = rng.randint(0, 256, size=(H, W, 3))
    return np.where(rng.rand(H, W, 1) < 0.15, noise, base).astype(np.uint8)


def ids(words):
    row = [BOS] + words + [EOS]
    return row + [EOS] * (77 - len(row))


BASE = dict(width=W, height=H, fps=8, motionSpeed=8, wIndNoise=0.5, imgWeight=0.001, prompt="pos", negativePrompt="neg")

MUSEV_CASES = [
    ("one window", dict(seed=1234, frames=4, contextFrames=12, contextOverlap=4, steps=3, guidanceScale=3.5)),
    ("overlapping windows, linear guidance 3.5 to 6", dict(seed=77, frames=10, contextFrames=4, contextOverlap=2, steps=3,
                                                          guidanceScale=3.5, guidanceScaleEnd=6.0, guidanceMethod="linear")),
    ("uniform closed loop, random noise, no image-based noise", dict(seed=5, frames=10, contextFrames=4, contextOverlap=2, steps=2,
                                                                     guidanceScale=2.5, contextSchedule="uniform", noiseType="random",
                                                                     imageBasedNoise=False)),
    ("n_batch 2", dict(seed=99, frames=4, contextFrames=4, contextOverlap=0, steps=3, guidanceScale=3.5, nBatch=2,
                       guidanceScaleEnd=5.0, guidanceMethod="two_stage")),
    ("n_batch 2, fixed condition", dict(seed=100, frames=3, contextFrames=4, contextOverlap=0, steps=2, guidanceScale=3.5, nBatch=2,
                                        fixConditionImages=True)),
    ("first frame generated", dict(seed=31, frames=4, contextFrames=4, contextOverlap=0, steps=2, guidanceScale=3.5,
                                   firstFrame="generate", firstFrameSteps=3, firstFrameGuidanceScale=7.5, nBatch=2)),
    ("first frame redrawn", dict(seed=32, frames=3, contextFrames=4, contextOverlap=0, steps=2, guidanceScale=3.5,
                                 firstFrame="redraw", firstFrameSteps=3, firstFrameGuidanceScale=6.0)),
]

REFERENCENET_CASES = [
    ("refer + IP images, two windows", dict(seed=4, frames=5, contextFrames=4, contextOverlap=2, steps=2, guidanceScale=3.5,
                                            ipAdapterScale=0.8, refer=2, ip=3)),
    ("condition image as refer and IP, n_batch 2, fixed condition", dict(seed=8, frames=3, contextFrames=4, contextOverlap=0, steps=2,
                                                                         guidanceScale=3.5, nBatch=2, fixConditionImages=True)),
    ("condition image as refer and IP, n_batch 2", dict(seed=21, frames=2, contextFrames=4, contextOverlap=0, steps=2,
                                                       guidanceScale=3.5, nBatch=2)),
    ("first frame generated from refer + IP images", dict(seed=31, frames=3, contextFrames=4, contextOverlap=0, steps=2, guidanceScale=3.5,
                                                          firstFrame="generate", firstFrameSteps=2, refer=2, ip=3)),
    ("first frame redrawn", dict(seed=33, frames=3, contextFrames=4, contextOverlap=0, steps=2, guidanceScale=3.5,
                                 firstFrame="redraw", firstFrameSteps=2, refer=2)),
    # IP-Adapter FaceID on: the face embedding from the pack's face_detector / face_embedder as MuseV
    # computes it (reference/face_embedding.py); the face image is the condition image unless `face`
    # names a picture. picture(6) / picture(5): the stand-in detector's best face leads the next by
    # 7e-3 / 5e-3 in score (no near tie for float32 noise to flip).
    ("FaceID: condition image as face, refer and IP", dict(seed=13, frames=3, contextFrames=4, contextOverlap=0, steps=2,
                                                          guidanceScale=3.5, ipAdapterFaceScale=1.0)),
    ("FaceID: separate face image, refer + IP images, two windows", dict(seed=9, frames=5, contextFrames=4, contextOverlap=2,
                                                                        steps=2, guidanceScale=3.5, ipAdapterScale=0.8,
                                                                        ipAdapterFaceScale=1.0, refer=2, ip=3, face=5)),
]

PACK = {"referencenet": os.path.join(ROOT, "public", "packs", "tiny-musev-referencenet")}


def make(family):
    torch.set_num_threads(1)
    t0 = time.time()
    m = tiny_models("musev" if family == "musev" else "musev_referencenet")
    clip = {"imageSize": m.clip_vision.config["image_size"], "mean": CLIP_MEAN, "std": CLIP_STD} if m.clip_vision else None
    nets = Nets(m.text_encoder, m.vae, m.unet, referencenet=m.referencenet, image_proj=m.image_proj, clip_vision=m.clip_vision,
                clip=clip, anivv1=family != "musev", face_proj=m.face.proj if m.face is not None else None)
    neg_ids, pos_ids = ids([320, 321, 322]), ids([400, 401, 402, 403, 404])
    neg1_ids = ids([330, 331])
    with torch.no_grad():
        E = m.text_encoder(torch.tensor([neg_ids, pos_ids]))
        E1 = m.text_encoder(torch.tensor([neg1_ids, pos_ids]))
    cases = []
    for name, spec in (MUSEV_CASES if family == "musev" else REFERENCENET_CASES):
        spec = dict(spec)
        refer_seed, ip_seed, face_seed = spec.pop("refer", None), spec.pop("ip", None), spec.pop("face", None)
        req = {**BASE, **spec}
        if req.get("firstFrame", "image") != "image":
            req["firstFrameNegativePrompt"] = "neg1"
        img = picture(req["seed"] % 7) if req.get("firstFrame") != "generate" else None
        im = lambda rgb: {"tensor": image_tensor(rgb), "u8": rgb}  # noqa: E731
        refer = im(picture(refer_seed)) if refer_seed is not None else None
        ip = im(picture(ip_seed)) if ip_seed is not None else None
        face_img = picture(face_seed) if face_seed is not None else img  # MuseV: the condition image by default
        e = None
        if req.get("ipAdapterFaceScale"):
            from reference.face_embedding import analyse  # needs cv2 (golden generation only)

            assert req.get("firstFrame", "image") == "image", "a redrawn first frame would replace the face image"
            e = torch.from_numpy(analyse(face_img, PACK[family])["normed"].astype(np.float32)).reshape(1, -1)
        out = run(nets, {**req, "scheduler": SD15_EULER}, E, E1 if req.get("firstFrame", "image") != "image" else None,
                  image=im(img) if img is not None else None, refer=refer, ip=ip, face_embed=e)
        case = {"name": name, "request": req, "latents": f32(out.latents), "cond0": f32(out.cond0)}
        # How far the reference's own result moves when every network output changes by float32 noise
        # (2e-6 relative): tiny random-weight UNets fed latents of ~100 are chaotic.
        again = run(nets, {**req, "scheduler": SD15_EULER}, E, E1 if req.get("firstFrame", "image") != "image" else None,
                    image=im(img) if img is not None else None, refer=refer, ip=ip, jitter=Jitter(2e-6), face_embed=e)
        case["sensitivity"] = float((again.latents - out.latents).abs().max())
        if img is not None:
            case["image"] = rgba(img)
        if refer is not None:
            case["referImage"] = rgba(refer["u8"])
        if ip is not None:
            case["ipAdapterImage"] = rgba(ip["u8"])
        if face_seed is not None:
            case["faceImage"] = rgba(face_img)
        if e is not None:
            case["faceEmbedding"] = f32(e)  # (1, 512), L2-normed, of the face image
            off = run(nets, {**req, "scheduler": SD15_EULER, "ipAdapterFaceScale": 0.0}, E, None, image=im(img), refer=refer, ip=ip,
                      face_embed=e)
            print(f"  face on vs off: max |latents diff| {float((out.latents - off.latents).abs().max()):.2e}")
        cases.append(case)
        print(f"{family}: {name}: latents {tuple(out.latents.shape)}, sensitivity {case.get('sensitivity', 0):.2e}")
    path = OUT.format(family)
    with open(path, "w") as f:
        json.dump({"generator": "models/reference/golden.py", "torch": torch.__version__, "family": family,
                   "texts": {"pos": pos_ids, "neg": neg_ids, "neg1": neg1_ids}, "E": f32(E), "E1": f32(E1), "cases": cases}, f)
    print(f"wrote {path} ({os.path.getsize(path) // 1024} KB, {time.time() - t0:.1f} s)")


if __name__ == "__main__":
    for fam in sys.argv[1:] or ["musev", "referencenet"]:
        make(fam)
