"""IP-Adapter FaceID as MuseV runs it (musev/models/ip_adapter_face_loader.py, spec section 4.4):

    face image -> insightface buffalo_l (SCRFD det_10g + ArcFace w600k_r50; insightface.py) -> normed
    512-d embedding of the first face -> MLPProjModel -> face tokens F (B, tokens, D)
    every attn2: ... + face_scale * Attn(q, ip_adapter_face_to_k_ip(F), ip_adapter_face_to_v_ip(F))

`IP-Adapter/models/ip-adapter-faceid_sd15.bin` = {"image_proj": MLPProjModel state dict,
"ip_adapter": {"1.to_k_ip.weight", "1.to_v_ip.weight", "3.to_k_ip.weight", ..., "31.to_v_ip.weight"}
+ LoRA keys "<n>.to_{q,k,v,out}_lora.{down,up}.weight"}. MuseV ignores the LoRA part (it never reads
those keys) and copies the 32 k/v weights onto the 16 attn2 modules in the order of its
`unet_keys_list` (down blocks, then up blocks, then the mid block) zipped with `ip_adapter_keys_list`
(1, 3, 5, ..., 31): site i gets "<2i+1>.to_k_ip.weight" / "<2i+1>.to_v_ip.weight". We do the same with
strict accounting: every other key is an error that names it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Tuple

import onnx
import torch
from torch import nn

from .common import StateDictMismatch, load_state_dict_strict
from .export import GraphExport
from .shapes import reshape0

FACEID_BIN = ("IP-Adapter", "models", "ip-adapter-faceid_sd15.bin")
INSIGHTFACE_DIR = ("insightface", "models", "buffalo_l")
LORA_KEY = re.compile(r"^\d+\.to_(q|k|v|out)_lora\.(down|up)\.weight$")
PROJ_KEYS = ("proj.0.weight", "proj.0.bias", "proj.2.weight", "proj.2.bias", "norm.weight", "norm.bias")


class MLPProjModel(nn.Module):
    """IP-Adapter FaceID's MLPProjModel (ip_adapter/ip_adapter_faceid.py):
    id_embeds (B, E) -> proj.0 Linear(E, H) -> GELU (exact) -> proj.2 Linear(H, tokens*D)
    -> reshape (B, tokens, D) -> norm LayerNorm(D) (eps 1e-5). Real: E 512, H 1024, tokens 4, D 768."""

    def __init__(self, cfg: dict):
        super().__init__()
        self.config = dict(cfg)
        self.tokens = cfg["num_tokens"]
        self.dim = cfg["cross_attention_dim"]
        e, h = cfg["id_embeddings_dim"], cfg["hidden_dim"]
        self.proj = nn.Sequential(nn.Linear(e, h), nn.GELU(), nn.Linear(h, self.tokens * self.dim))
        self.norm = nn.LayerNorm(self.dim)

    def forward(self, id_embeds: torch.Tensor) -> torch.Tensor:
        return self.norm(reshape0(self.proj(id_embeds), [-1, self.tokens, self.dim]))


def proj_config_from_state_dict(sd: Mapping[str, torch.Tensor]) -> dict:
    """MLPProjModel sizes from its tensors (the file carries no config)."""
    missing = [k for k in PROJ_KEYS if k not in sd]
    extra = sorted(k for k in sd if k not in PROJ_KEYS)
    if missing or extra:
        raise StateDictMismatch(f"image_proj is not an MLPProjModel state dict: missing {missing}, unexpected {extra}")
    hidden, emb = sd["proj.0.weight"].shape
    out, hidden2 = sd["proj.2.weight"].shape
    dim = sd["norm.weight"].shape[0]
    if hidden2 != hidden or out % dim:
        raise StateDictMismatch(f"MLPProjModel shapes disagree: proj.0 {tuple(sd['proj.0.weight'].shape)}, "
                                f"proj.2 {tuple(sd['proj.2.weight'].shape)}, norm {dim}")
    return {"id_embeddings_dim": int(emb), "hidden_dim": int(hidden), "cross_attention_dim": int(dim), "num_tokens": int(out // dim)}


def face_attn2_sites(unet) -> List[Tuple[str, nn.Module]]:
    """The UNet's spatial attn2 modules in MuseV's unet_keys_list order: down blocks, up blocks, mid."""
    sites = []
    for prefix, blocks in (("down_blocks", unet.down_blocks), ("up_blocks", unet.up_blocks), ("mid_block", [unet.mid_block])):
        for b, blk in enumerate(blocks):
            for a, tr in enumerate(getattr(blk, "attentions", None) or []):
                for t, tb in enumerate(tr.transformer_blocks):
                    name = f"{prefix}.{b}." if prefix != "mid_block" else "mid_block."
                    sites.append((f"{name}attentions.{a}.transformer_blocks.{t}.attn2", tb.attn2))
    return sites


def without_face(state_dict: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """A UNet state dict as MuseV's motion checkpoints hold it: without the FaceID k/v (those come
    from ip-adapter-faceid_sd15.bin)."""
    return {k: v for k, v in state_dict.items() if ".ip_adapter_face_to_" not in k}


def site_keys(i: int) -> Tuple[str, str]:
    """ip_adapter keys of attn2 site i (MuseV's ip_adapter_keys_list: odd indices 1, 3, ..., 31)."""
    return f"{2 * i + 1}.to_k_ip.weight", f"{2 * i + 1}.to_v_ip.weight"


def attach_face_branch(unet, face_dim: int) -> None:
    """Adds ip_adapter_face_to_k_ip / _to_v_ip (Linear(face_dim, C), no bias) to every attn2."""
    for _, attn2 in face_attn2_sites(unet):
        attn2.add_face_branch(face_dim)
    unet.face_dim = face_dim


def load_face_kv(unet, ip_adapter: Mapping[str, torch.Tensor]) -> List[str]:
    """Copies the 32 face k/v weights onto the UNet (attach_face_branch first). Returns the ignored
    LoRA keys (sorted); any other unexpected key, a missing key or a shape mismatch raises, naming them."""
    sites = face_attn2_sites(unet)
    want = {}
    for i, (name, attn2) in enumerate(sites):
        k, v = site_keys(i)
        want[k] = (f"{name}.ip_adapter_face_to_k_ip.weight", attn2.ip_adapter_face_to_k_ip.weight)
        want[v] = (f"{name}.ip_adapter_face_to_v_ip.weight", attn2.ip_adapter_face_to_v_ip.weight)
    ignored = sorted(k for k in ip_adapter if k not in want and LORA_KEY.match(k))
    unexpected = sorted(k for k in ip_adapter if k not in want and k not in ignored)
    missing = [k for k in want if k not in ip_adapter]
    bad = [f"{k} -> {want[k][0]}: file {tuple(ip_adapter[k].shape)} vs module {tuple(want[k][1].shape)}"
           for k in want if k in ip_adapter and tuple(ip_adapter[k].shape) != tuple(want[k][1].shape)]
    if missing or unexpected or bad:
        lines = [f"ip-adapter-faceid 'ip_adapter' does not match the UNet's {len(sites)} attn2 sites:"]
        if missing:
            lines.append(f"  missing keys ({len(missing)}): {', '.join(missing)}")
        if unexpected:
            lines.append(f"  unexpected keys ({len(unexpected)}): {', '.join(unexpected[:20])}")
        if bad:
            lines.append(f"  shape mismatches ({len(bad)}): {'; '.join(bad)}")
        raise StateDictMismatch("\n".join(lines))
    with torch.no_grad():
        for key, (_, param) in want.items():
            param.copy_(ip_adapter[key].float())
    return ignored


def load_faceid_file(obj: Mapping[str, object], unet) -> Tuple[MLPProjModel, List[str]]:
    """From a loaded ip-adapter-faceid_sd15.bin: the MLPProjModel, and the UNet gets its face branch.
    Returns (proj, ignored keys as 'ip_adapter.<key>')."""
    if sorted(obj) != ["image_proj", "ip_adapter"]:
        raise StateDictMismatch(f"ip-adapter-faceid: expected keys ['image_proj', 'ip_adapter'], got {sorted(obj)}")
    sd = {k: v.float() for k, v in obj["image_proj"].items()}
    proj = MLPProjModel(proj_config_from_state_dict(sd)).eval()
    load_state_dict_strict(proj, sd)
    if proj.dim != unet.config["cross_attention_dim"]:
        raise StateDictMismatch(f"face tokens are {proj.dim} wide, the UNet's cross_attention_dim is {unet.config['cross_attention_dim']}")
    attach_face_branch(unet, proj.dim)
    ignored = load_face_kv(unet, obj["ip_adapter"])
    return proj, [f"ip_adapter.{k}" for k in ignored]


@dataclass
class FaceModels:
    """What a FaceID pack adds: the projection (PyTorch) and the two insightface graphs (as shipped)."""

    proj: MLPProjModel
    detector: onnx.ModelProto  # det_10g.onnx (or a stand-in with its I/O)
    embedder: onnx.ModelProto  # w600k_r50.onnx (or a stand-in)
    ignored: Optional[List[str]] = None


def load_face_models(faceid_bin, insightface_dir, unet) -> FaceModels:
    """Reads the faceid bin (adds the UNet's face branch) and buffalo_l's det_10g / w600k_r50."""
    from pathlib import Path

    obj = torch.load(str(faceid_bin), map_location="cpu")
    proj, ignored = load_faceid_file(obj, unet)
    d = Path(insightface_dir)
    models = [onnx.load(str(d / f)) for f in ("det_10g.onnx", "w600k_r50.onnx")]
    return FaceModels(proj, models[0], models[1], ignored)


def face_proj_export(model: MLPProjModel) -> GraphExport:
    g = torch.Generator().manual_seed(0)
    emb = torch.randn(3, model.config["id_embeddings_dim"], generator=g)
    return GraphExport(
        "face_proj", model, (emb,), ["id_embeds"], ["face_tokens"],
        {"id_embeds": {0: "batch"}, "face_tokens": {0: "batch"}},
        {"id_embeds": ["batch", model.config["id_embeddings_dim"]], "face_tokens": ["batch", model.tokens, model.dim]},
    )


def face_manifest(face: FaceModels) -> Tuple[Dict[str, int], Dict[str, object]]:
    """(unet.ipAdapterFace, faceAnalysis) manifest entries."""
    from .insightface import FACE_ANALYSIS

    return {"tokens": face.proj.tokens, "idEmbeddingDim": face.proj.config["id_embeddings_dim"]}, dict(FACE_ANALYSIS)
