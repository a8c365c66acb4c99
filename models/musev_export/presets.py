"""Pack presets. `tiny`: seeded random weights at the sizes of /work/shared/musev-keys (a complete
pack in well under a minute on 2 CPU cores, byte-identical on every run)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

from .common import read_json
from .corpus import corpus_text
from .init_weights import init_random_
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

TINY_SEEDS = {"text_encoder": 1001, "vae": 1002, "unet": 1003}
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


def tiny_models() -> Models:
    merges = learn_merges(corpus_text(), TINY_MERGES)
    vocab = build_vocab(merges)
    unet_cfg = read_json(config_path("musev_unet"))
    vae_cfg = read_json(config_path("vae"))
    text_cfg = tiny_text_config(len(vocab), hidden=unet_cfg["cross_attention_dim"])
    return Models(
        text_encoder=init_random_(CLIPTextModel(text_cfg).eval(), TINY_SEEDS["text_encoder"]),
        vae=init_random_(AutoencoderKL(vae_cfg).eval(), TINY_SEEDS["vae"]),
        unet=init_random_(UNet3DConditionModel(unet_cfg).eval(), TINY_SEEDS["unet"]),
        vocab=vocab,
        merges=merges,
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
