"""Builds the exporter's models from real checkpoint folders (MuseV HF tree + an SD1.5 folder).

    python -m musev_export checkpoints --out public/packs/musev-fp32 \\
        --unet checkpoints/motion/musev/unet \\
        --sd checkpoints/t2i/sd1.5/majicmixRealv6Fp16 \\
        --vae checkpoints/vae/sd-vae-ft-mse

    python -m musev_export checkpoints --out public/packs/musev-referencenet-fp32 \\
        --unet checkpoints/motion/musev_referencenet/unet \\
        --referencenet checkpoints/motion/musev_referencenet/referencenet \\
        --image-proj checkpoints/motion/musev_referencenet/ip_adapter_image_proj.bin \\
        --image-encoder checkpoints/IP-Adapter/models/image_encoder \\
        --sd checkpoints/t2i/sd1.5/majicmixRealv6Fp16 --vae checkpoints/vae/sd-vae-ft-mse

(`musev_referencenet_pose`: its own unet/ and ip_adapter_image_proj.bin, musev_referencenet's
referencenet/, as MuseV's configs/model/referencenet.py.) The family comes from `--family`, else
from the UNet folder's parent name (motion/<family>/unet), else from the config's flags; MuseV's
loader kwargs for that family override config.json (load_unet_by_name).

As MuseV's `update_unet_with_sd` does, every spatial weight of the motion UNet is overwritten by
the SD1.5 base UNet's weight of the same key (unknown SD keys are an error); `--no-merge-sd-unet`
keeps the motion checkpoint's own copies. The ReferenceNet is not merged (MuseV passes no SD model
for it). Every state dict is loaded strictly; the only keys ever skipped are listed in IGNORED
(and reported per load).
Reads `*.bin` (torch pickle) and `*.safetensors` (small reader below, no package needed).
Untested at SD1.5 sizes on this machine (2 cores, no checkpoints); the tiny round trip is tested.
"""
from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch

from .clip_vision import IGNORABLE_KEYS as CLIP_VISION_IGNORABLE
from .clip_vision import CLIPVisionModelWithProjection
from .common import StateDictMismatch, load_state_dict_strict, read_json
from .image_proj import ImageProjModel, image_proj_from_file_dict
from .presets import SD15_EULER, Models
from .referencenet import ReferenceNet2D
from .text_encoder import IGNORABLE_KEYS as TEXT_IGNORABLE
from .text_encoder import CLIPTextModel
from .unet3d import UNet3DConditionModel
from .unet3d.model import FAMILIES, architecture, check_unet_config, with_loader_overrides
from .vae import AutoencoderKL

# Keys a checkpoint may hold that the exporter deliberately does not use (why), per component.
IGNORED = {
    "text_encoder": {k: "legacy position_ids buffer (always arange)" for k in TEXT_IGNORABLE},
    "clip_vision": {k: "legacy position_ids buffer (always arange)" for k in CLIP_VISION_IGNORABLE},
    # ReferenceNet2D(need_block_embs=True) deletes these modules, so MuseV's from_pretrained drops such keys
    "referencenet": {p: "module MuseV's ReferenceNet2D deletes (prefix)" for p in ("up_blocks.", "conv_norm_out.", "conv_out.")},
}

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


def _ignorable(component: str, keys) -> List[str]:
    rules = IGNORED.get(component, {})
    return [k for k in keys if k in rules or any(k.startswith(p) for p in rules if p.endswith("."))]


def load_strict(model, component: str, state_dict, report: Optional[dict] = None) -> None:
    """Strict load that skips only the IGNORED keys of `component`; records them in report[component]."""
    skipped = _ignorable(component, state_dict)
    load_state_dict_strict(model, state_dict, ignorable=skipped)
    if report is not None:
        report[component] = {"loaded": len(model.state_dict()), "ignored": sorted(skipped)}


def read_image_proj(path: str | Path) -> ImageProjModel:
    """ip_adapter_image_proj.bin (torch pickle {'image_proj': state_dict}) or a .safetensors with
    `image_proj.`-prefixed keys; sizes inferred from the tensor shapes."""
    path = Path(path)
    if path.suffix == ".safetensors":
        flat = read_safetensors(path)
        bad = [k for k in flat if not k.startswith("image_proj.")]
        if bad:
            raise StateDictMismatch(f"{path}: keys outside image_proj: {bad[:10]}")
        obj = {"image_proj": {k[len("image_proj."):]: v for k, v in flat.items()}}
    else:
        obj = torch.load(path, map_location="cpu")
    return image_proj_from_file_dict(obj)


def family_of(unet_dir: str | Path, cfg: dict, family: Optional[str] = None) -> str:
    """--family, else motion/<family>/unet's parent folder name, else the config's flags."""
    if family:
        if family not in FAMILIES:
            raise ValueError(f"unknown family {family!r}")
        return family
    parent = Path(unet_dir).resolve().parent.name
    if parent in FAMILIES:
        return parent
    return check_unet_config(cfg)


def load_unet(unet_dir, sd_dir, family: Optional[str] = None, merge_sd_unet_weights: bool = True,
              report: Optional[dict] = None) -> Tuple[UNet3DConditionModel, str]:
    raw = read_json(Path(unet_dir) / "config.json")
    family = family_of(unet_dir, raw, family)
    cfg = with_loader_overrides(raw, family)
    unet = UNet3DConditionModel(cfg).eval()
    weights = read_weights(unet_dir)
    if merge_sd_unet_weights:
        weights = merge_sd_unet(weights, read_weights(Path(sd_dir) / "unet"))
    load_strict(unet, "unet", weights, report)
    return unet, family


def _load_sd_parts(sd_dir, vae_dir, report):
    sd_dir = Path(sd_dir)
    vae_dir = Path(vae_dir) if vae_dir else sd_dir / "vae"
    vae = AutoencoderKL(read_json(vae_dir / "config.json")).eval()
    load_strict(vae, "vae", read_weights(vae_dir), report)
    text = CLIPTextModel(read_json(sd_dir / "text_encoder" / "config.json")).eval()
    load_strict(text, "text_encoder", read_weights(sd_dir / "text_encoder"), report)
    vocab, merges = read_tokenizer(sd_dir / "tokenizer")
    scheduler = scheduler_from_config(read_json(sd_dir / "scheduler" / "scheduler_config.json"))
    return vae, text, vocab, merges, scheduler


def load_referencenet_models(
    unet_dir, sd_dir, vae_dir=None, referencenet_dir=None, image_proj_path=None, clip_vision_dir=None,
    merge_sd_unet_weights: bool = True, family: Optional[str] = None, report: Optional[dict] = None,
) -> Tuple[Models, dict]:
    """musev_referencenet(_pose): UNet3D (+ SD merge), ReferenceNet2D, ImageProjModel and the CLIP
    vision tower, besides the SD text encoder / tokenizer / scheduler and the VAE. `report`, if
    given, receives {component: {loaded, ignored}}."""
    if referencenet_dir is None or image_proj_path is None or clip_vision_dir is None:
        raise ValueError("the referencenet families need referencenet_dir, image_proj_path and clip_vision_dir")
    unet, family = load_unet(unet_dir, sd_dir, family, merge_sd_unet_weights, report)
    if architecture(family) != "musev_referencenet":
        raise ValueError(f"{unet_dir} is a {family} UNet, not a referencenet family")
    refnet = ReferenceNet2D(read_json(Path(referencenet_dir) / "config.json")).eval()
    load_strict(refnet, "referencenet", read_weights(referencenet_dir), report)
    image_proj = read_image_proj(image_proj_path)
    if report is not None:
        report["image_proj"] = {"loaded": len(image_proj.state_dict()), "ignored": []}
    clip = CLIPVisionModelWithProjection(read_json(Path(clip_vision_dir) / "config.json")).eval()
    load_strict(clip, "clip_vision", read_weights(clip_vision_dir), report)
    d = unet.config["cross_attention_dim"]
    checks = [
        (refnet.config["cross_attention_dim"] == d, f"referencenet cross_attention_dim {refnet.config['cross_attention_dim']} != unet {d}"),
        (image_proj.dim == d, f"image_proj width {image_proj.dim} != unet cross_attention_dim {d}"),
        (clip.config["projection_dim"] == image_proj.config["clip_embeddings_dim"],
         f"clip_vision projection_dim {clip.config['projection_dim']} != image_proj input {image_proj.config['clip_embeddings_dim']}"),
        ([c for c, _ in refnet.feature_specs()[: unet.num_ref_features()]] == [c for c, _ in unet.ref_feature_specs()[0]],
         "referencenet block_out_channels do not match the unet's"),
    ]
    bad = [msg for ok, msg in checks if not ok]
    if bad:
        raise StateDictMismatch("checkpoints do not fit together: " + "; ".join(bad))
    vae, text, vocab, merges, scheduler = _load_sd_parts(sd_dir, vae_dir, report)
    return Models(text, vae, unet, vocab, merges, referencenet=refnet, image_proj=image_proj, clip_vision=clip), scheduler


def add_arguments(p) -> None:
    p.add_argument("--out", required=True, help="pack folder (replaced)")
    p.add_argument("--unet", required=True, help="MuseV UNet3D folder (config.json + weights), e.g. motion/musev/unet")
    p.add_argument("--sd", required=True, help="SD1.5 diffusers folder with text_encoder/, tokenizer/, scheduler/, unet/")
    p.add_argument("--vae", help="AutoencoderKL folder (default: <sd>/vae), e.g. vae/sd-vae-ft-mse")
    p.add_argument("--no-merge-sd-unet", action="store_true", help="keep the motion checkpoint's spatial weights")
    p.add_argument("--family", choices=FAMILIES, help="default: the UNet folder's parent name, else the config's flags")
    p.add_argument("--referencenet", help="referencenet families: ReferenceNet2D folder (motion/musev_referencenet/referencenet)")
    p.add_argument("--image-proj", help="referencenet families: motion/<family>/ip_adapter_image_proj.bin")
    p.add_argument("--image-encoder", help="referencenet families: CLIP vision folder (IP-Adapter/models/image_encoder)")
    p.add_argument("--embedding", help="textual-inversion folder (e.g. checkpoints/embedding): vector 0 of each "
                   ".pt/.bin/.safetensors becomes one new token (default: none)")
    p.add_argument("--id", default="musev-fp32")
    p.add_argument("--name", default="MuseV (fp32)")
    p.add_argument("--version", default="0.1.0")


def load_models(unet_dir, sd_dir, vae_dir=None, merge_sd_unet_weights: bool = True, report: Optional[dict] = None,
                family: Optional[str] = None) -> Tuple[Models, dict]:
    """musev family (see load_referencenet_models for the others)."""
    unet, family = load_unet(unet_dir, sd_dir, family, merge_sd_unet_weights, report)
    if family != "musev":
        raise ValueError(f"{unet_dir} is a {family} UNet: use load_referencenet_models")
    vae, text, vocab, merges, scheduler = _load_sd_parts(sd_dir, vae_dir, report)
    return Models(text, vae, unet, vocab, merges), scheduler


def pack_from_args(args):
    report: dict = {}
    family = family_of(args.unet, read_json(Path(args.unet) / "config.json"), args.family)
    if family == "musev":
        models, scheduler = load_models(args.unet, args.sd, args.vae, not args.no_merge_sd_unet, report, family)
    else:
        models, scheduler = load_referencenet_models(
            args.unet, args.sd, args.vae, args.referencenet, args.image_proj, args.image_encoder,
            not args.no_merge_sd_unet, family, report,
        )
    for component, r in report.items():
        note = f", ignored {len(r['ignored'])}: {', '.join(r['ignored'][:5])}" if r["ignored"] else ""
        print(f"  {component}: {r['loaded']} tensors loaded{note}")
    from .textual_inversion import apply_embedding_folder

    used = apply_embedding_folder(models, getattr(args, "embedding", None))
    for p, t in zip(used, models.added_tokens or []):
        print(f"  textual inversion: {p.name} -> {t['token']} (id {t['id']})")
    info = {
        "id": args.id,
        "version": args.version,
        "name": args.name,
        "description": f"MuseV {family} UNet3D from {args.unet} with {args.sd} (float32).",
        "family": family,
        "randomWeights": False,
        "dtype": "float32",
    }
    return models, info, scheduler
