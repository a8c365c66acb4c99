"""Builds the exporter's models from real checkpoint folders (MuseV HF tree + an SD1.5 folder).

    python -m musev_export checkpoints --out public/packs/musev-fp32 \\
        --unet checkpoints/motion/musev/unet \\
        --sd checkpoints/t2i/sd1.5/majicmixRealv6Fp16 \\
        --vae checkpoints/vae/sd-vae-ft-mse

As MuseV's `update_unet_with_sd` does, every spatial weight of the motion UNet is overwritten by
the SD1.5 base UNet's weight of the same key (unknown SD keys are an error); `--no-merge-sd-unet`
keeps the motion checkpoint's own copies. Every state dict is loaded strictly.
Reads `*.bin` (torch pickle) and `*.safetensors` (small reader below, no package needed).
Untested at SD1.5 sizes on this machine (2 cores, no checkpoints); the tiny round trip is tested.
"""
from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import torch

from .common import StateDictMismatch, read_json
from .presets import SD15_EULER, Models
from .text_encoder import CLIPTextModel
from .unet3d import UNet3DConditionModel
from .vae import AutoencoderKL

WEIGHT_NAMES = ("diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.bin", "model.safetensors", "pytorch_model.bin")
SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64, "I32": np.int32}


def read_safetensors(path: str | Path) -> Dict[str, torch.Tensor]:
    raw = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    base = 8 + n
    out = {}
    for key, meta in header.items():
        if key == "__metadata__":
            continue
        start, end = meta["data_offsets"]
        buf = raw[base + start : base + end]
        if meta["dtype"] == "BF16":
            t = torch.frombuffer(bytearray(buf), dtype=torch.bfloat16).float()
        else:
            t = torch.from_numpy(np.frombuffer(buf, dtype=SAFETENSORS_DTYPES[meta["dtype"]]).copy())
        out[key] = t.reshape(meta["shape"])
    return out


def read_weights(folder: str | Path) -> Dict[str, torch.Tensor]:
    folder = Path(folder)
    for name in WEIGHT_NAMES:
        p = folder / name
        if p.exists():
            sd = read_safetensors(p) if p.suffix == ".safetensors" else torch.load(p, map_location="cpu")
            return {k: v.float() if v.is_floating_point() else v for k, v in sd.items()}
    raise FileNotFoundError(f"no weights ({', '.join(WEIGHT_NAMES)}) in {folder}")


def merge_sd_unet(motion: Dict[str, torch.Tensor], sd_unet: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """MuseV update_unet_with_sd: SD1.5 UNet keys overwrite the motion UNet's (all must exist)."""
    unexpected = [k for k in sd_unet if k not in motion]
    if unexpected:
        raise StateDictMismatch(f"SD UNet keys unknown to the UNet3D ({len(unexpected)}): {unexpected[:20]}")
    merged = dict(motion)
    merged.update(sd_unet)
    return merged


def read_tokenizer(folder: str | Path) -> Tuple[Dict[str, int], List[Tuple[str, str]]]:
    folder = Path(folder)
    vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
    lines = (folder / "merges.txt").read_text(encoding="utf-8").split("\n")
    merges = [tuple(line.split(" ")) for line in lines[1:] if line.strip()]
    return vocab, merges  # type: ignore[return-value]


def scheduler_from_config(cfg: dict) -> dict:
    """The SD folder's scheduler_config.json as an EulerDiscreteScheduler spec (spec section 3:
    configs without timestep_spacing get Euler's default 'linspace')."""
    if cfg.get("prediction_type", "epsilon") != "epsilon":
        raise ValueError(f"prediction_type {cfg['prediction_type']!r} is not supported")
    out = dict(SD15_EULER)
    for k in ("num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "steps_offset", "timestep_spacing"):
        if k in cfg:
            out[k] = cfg[k]
    return out


def add_arguments(p) -> None:
    p.add_argument("--out", required=True, help="pack folder (replaced)")
    p.add_argument("--unet", required=True, help="MuseV UNet3D folder (config.json + weights), e.g. motion/musev/unet")
    p.add_argument("--sd", required=True, help="SD1.5 diffusers folder with text_encoder/, tokenizer/, scheduler/, unet/")
    p.add_argument("--vae", help="AutoencoderKL folder (default: <sd>/vae), e.g. vae/sd-vae-ft-mse")
    p.add_argument("--no-merge-sd-unet", action="store_true", help="keep the motion checkpoint's spatial weights")
    p.add_argument("--id", default="musev-fp32")
    p.add_argument("--name", default="MuseV (fp32)")
    p.add_argument("--version", default="0.1.0")


def load_models(unet_dir, sd_dir, vae_dir=None, merge_sd_unet_weights: bool = True) -> Tuple[Models, dict]:
    sd_dir = Path(sd_dir)
    unet = UNet3DConditionModel(read_json(Path(unet_dir) / "config.json")).eval()
    weights = read_weights(unet_dir)
    if merge_sd_unet_weights:
        weights = merge_sd_unet(weights, read_weights(sd_dir / "unet"))
    unet.load_checkpoint(weights)
    vae_dir = Path(vae_dir) if vae_dir else sd_dir / "vae"
    vae = AutoencoderKL(read_json(vae_dir / "config.json")).eval()
    vae.load_checkpoint(read_weights(vae_dir))
    text = CLIPTextModel(read_json(sd_dir / "text_encoder" / "config.json")).eval()
    text.load_checkpoint(read_weights(sd_dir / "text_encoder"))
    vocab, merges = read_tokenizer(sd_dir / "tokenizer")
    scheduler = scheduler_from_config(read_json(sd_dir / "scheduler" / "scheduler_config.json"))
    return Models(text, vae, unet, vocab, merges), scheduler


def pack_from_args(args):
    models, scheduler = load_models(args.unet, args.sd, args.vae, not args.no_merge_sd_unet)
    info = {
        "id": args.id,
        "version": args.version,
        "name": args.name,
        "description": f"MuseV UNet3D from {args.unet} with {args.sd} (float32).",
        "family": "musev",
        "randomWeights": False,
        "dtype": "float32",
    }
    return models, info, scheduler
