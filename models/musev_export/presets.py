"""Pack presets. `tiny`: seeded random weights at the sizes of /work/shared/musev-keys (a complete
pack in well under a minute on 2 CPU cores, byte-identical on every run)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .clip_vision import CLIPVisionModelWithProjection, tiny_vision_config
from .common import read_json
from .corpus import corpus_text
from .image_proj import ImageProjModel
from .init_weights import init_random_
from .referencenet import ReferenceNet2D
from .text_encoder import CLIPTextModel, tiny_text_config
from .tokenizer_builder import build_vocab, learn_merges
from .unet3d import UNet3DConditionModel
from .vae import AutoencoderKL

REPO = Path(__file__).resolve().parents[2]
KEYS_DIR = Path(os.environ.get("MUSEV_KEYS_DIR", "/work/shared/musev-keys"))
VENDORED_KEYS = Path(__file__).resolve().parent / "musev_keys"

# SD1.5 EulerDiscreteScheduler as MuseV runs it (spec section 3).
SD15_EULER = {
    "_class_name": "EulerDiscreteScheduler",
    "num_train_timesteps": 1000,
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "prediction_type": "epsilon",
    "timestep_spacing": "linspace",
    "steps_offset": 1,
    "interpolation_type": "linear",
    "use_karras_sigmas": False,
}

# The demo pack's default size is small so that a first run on the wasm backend takes seconds, not
# minutes (tiny pack, one thread: ~6 s per step at 256x256, 12 frames; ~1.5 s at 128x128).
DEFAULTS = {
    "width": 128,
    "height": 128,
    "frames": 12,
    "contextFrames": 12,
    "contextOverlap": 4,
    "steps": 10,
    "guidanceScale": 3.5,
    "fps": 12,
    "motionSpeed": 8,
    "negativePrompt": "",
}

TINY_SEEDS = {
    "text_encoder": 1001, "vae": 1002, "unet": 1003,
    "unet_referencenet": 1004, "referencenet": 1005, "image_proj": 1006, "clip_vision": 1007,
}
TINY_MERGES = 400


def keys_file(filename: str) -> Path:
    """A musev-keys file, from the shared folder or the vendored copy under musev_keys/."""
    for base in (KEYS_DIR, VENDORED_KEYS):
        p = base / filename
        if p.exists():
            return p
    raise FileNotFoundError(f"{filename} not found in {KEYS_DIR} or {VENDORED_KEYS}")


def config_path(name: str) -> Path:
    return keys_file(f"{name}.config.json")


@dataclass
class Models:
    text_encoder: CLIPTextModel
    vae: AutoencoderKL
    unet: UNet3DConditionModel
    vocab: Dict[str, int]
    merges: List[Tuple[str, str]]
    # referencenet families only
    referencenet: Optional[ReferenceNet2D] = None
    image_proj: Optional[ImageProjModel] = None
    clip_vision: Optional[CLIPVisionModelWithProjection] = None
    # textual-inversion tokens baked into text_encoder's table (manifest tokenizer.addedTokens)
    added_tokens: Optional[List[Dict[str, object]]] = None
    # IP-Adapter FaceID (any family): MLPProjModel + insightface graphs; the UNet has its face branch
    face: Optional["FaceModels"] = None  # noqa: F821 (faceid.FaceModels)


# ReferEmbFuseAttention has no norm and adds its output to the latents: with full-size random
# to_out weights the 12 of them on the down path grow the activations ~80x by the mid block, the
# attention logits reach ~1e4 and fp32 results become chaotic (0.2 off an fp64 run). MuseV zero-inits
# these to_out layers for training; the tiny preset scales them by 0.2 (fp64 gap ~1e-5, the refer
# features still move the output).
REFER_OUT_GAIN = 0.2


def refer_out_gains(unet: UNet3DConditionModel) -> Dict[str, float]:
    return {k: REFER_OUT_GAIN for k in unet.state_dict() if "refer_emb_attns" in k and k.endswith("to_out.0.weight")}


def tiny_face_models(unet: UNet3DConditionModel):
    """FaceID at tiny size through the real loader: a tiny ip-adapter-faceid_sd15.bin (MLPProjModel,
    face k/v for the 16 attn2 sites, LoRA keys) adds the UNet's face branch (its other weights are
    untouched); stand-ins with det_10g / w600k_r50's I/O (insightface_standin.py)."""
    from .faceid import FaceModels, load_faceid_file
    from .insightface_standin import standin_detector, standin_embedder, tiny_faceid_file

    proj, ignored = load_faceid_file(tiny_faceid_file(unet), unet)
    return FaceModels(proj, standin_detector(), standin_embedder(), ignored)


def tiny_models(family: str = "musev", faceid: Optional[bool] = None) -> Models:
    """Tiny random models. family 'musev' (the demo pack) or 'musev_referencenet' (UNet with
    IP-Adapter k/v and refer attentions + ReferenceNet + ImageProjModel + a tiny CLIP vision tower
    + FaceID: face branch, MLPProjModel, insightface stand-ins). faceid: FaceID on / off (default: on
    for musev_referencenet, as its demo pack; off for musev)."""
    faceid = family != "musev" if faceid is None else faceid
    if family not in ("musev", "musev_referencenet"):
        raise ValueError(f"no tiny preset for family {family!r}")
    merges = learn_merges(corpus_text(), TINY_MERGES)
    vocab = build_vocab(merges)
    unet_cfg = read_json(config_path("musev_unet"))
    vae_cfg = read_json(config_path("vae"))
    text_cfg = tiny_text_config(len(vocab), hidden=unet_cfg["cross_attention_dim"])
    text_encoder = init_random_(CLIPTextModel(text_cfg).eval(), TINY_SEEDS["text_encoder"])
    vae = init_random_(AutoencoderKL(vae_cfg).eval(), TINY_SEEDS["vae"])
    if family == "musev":
        unet = init_random_(UNet3DConditionModel(unet_cfg).eval(), TINY_SEEDS["unet"])
        return Models(text_encoder, vae, unet, vocab, merges, face=tiny_face_models(unet) if faceid else None)
    ref_unet_cfg = read_json(config_path("musev_referencenet_unet"))
    refnet_cfg = read_json(config_path("musev_referencenet_referencenet"))
    proj_cfg = {k: v for k, v in read_json(config_path("ip_adapter_image_proj")).items() if not k.startswith("_")}
    vision_cfg = tiny_vision_config(proj_cfg["clip_embeddings_dim"])
    unet = UNet3DConditionModel(ref_unet_cfg).eval()
    init_random_(unet, TINY_SEEDS["unet_referencenet"], out_gain=refer_out_gains(unet))
    face = tiny_face_models(unet) if faceid else None  # after the init: other weights stay seed 1004's
    return Models(
        text_encoder, vae, unet, vocab, merges, face=face,
        referencenet=init_random_(ReferenceNet2D(refnet_cfg).eval(), TINY_SEEDS["referencenet"]),
        image_proj=init_random_(ImageProjModel(proj_cfg).eval(), TINY_SEEDS["image_proj"]),
        clip_vision=init_random_(CLIPVisionModelWithProjection(vision_cfg).eval(), TINY_SEEDS["clip_vision"]),
    )


TINY_PACK = {
    "id": "tiny-musev",
    "version": "0.1.0",
    "name": "Tiny demo (random weights)",
    "description": (
        "MuseV architecture (musev family: UNet3D with reference attention on the first frame, temporal "
        "conv + temporal attention) at toy sizes with seeded random weights. It exercises the whole "
        "pipeline quickly; the pictures it makes are abstract noise patterns, not video of a person."
    ),
    "family": "musev",
    "randomWeights": True,
    "dtype": "float32",
}

TINY_REFERENCENET_PACK = {
    "id": "tiny-musev-referencenet",
    "version": "0.1.0",
    "name": "Tiny demo, ReferenceNet + IP-Adapter (random weights)",
    "description": (
        "MuseV architecture (musev_referencenet family: UNet3D with reference attention on the first frame, "
        "temporal conv + temporal attention, IP-Adapter cross attention and ReferenceNet fuse attentions; "
        "ReferenceNet2D, IP-Adapter image projection and a CLIP vision tower; IP-Adapter FaceID with stand-in "
        "insightface face detector / embedder) at toy sizes with seeded random weights. It exercises the "
        "referencenet pipeline quickly; the pictures it makes are abstract noise patterns, not video of a person."
    ),
    "family": "musev_referencenet",
    "randomWeights": True,
    "dtype": "float32",
}

TINY_PRESETS = {"musev": TINY_PACK, "musev_referencenet": TINY_REFERENCENET_PACK}
