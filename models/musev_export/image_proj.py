"""IP-Adapter's ImageProjModel (tencent-ailab ip_adapter.ip_adapter.ImageProjModel), as MuseV loads
it from `ip_adapter_image_proj.bin` (a dict whose `image_proj` entry is this module's state dict):

    image_embeds (B, E) -> proj: Linear(E, tokens*D) -> reshape (B, tokens, D) -> norm: LayerNorm(D)

The real tree has no config for it: E, tokens and D come from the tensor shapes (proj.weight is
(tokens*D, E), norm.weight is (D,)).
"""
from __future__ import annotations

from typing import Mapping

import torch
from torch import nn

from .common import StateDictMismatch, load_state_dict_strict
from .shapes import reshape0


class ImageProjModel(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        self.config = dict(cfg)
        self.tokens = cfg["clip_extra_context_tokens"]
        self.dim = cfg["cross_attention_dim"]
        self.proj = nn.Linear(cfg["clip_embeddings_dim"], self.tokens * self.dim)
        self.norm = nn.LayerNorm(self.dim)

    def forward(self, image_embeds: torch.Tensor) -> torch.Tensor:
        return self.norm(reshape0(self.proj(image_embeds), [-1, self.tokens, self.dim]))

    def load_checkpoint(self, state_dict) -> None:
        load_state_dict_strict(self, state_dict)


def config_from_state_dict(sd: Mapping[str, torch.Tensor]) -> dict:
    """ImageProjModel sizes inferred from its tensors."""
    try:
        out_dim, emb_dim = sd["proj.weight"].shape
        dim = sd["norm.weight"].shape[0]
    except KeyError as e:
        raise StateDictMismatch(f"not an ImageProjModel state dict (no {e.args[0]}); keys: {sorted(sd)[:10]}") from None
    if out_dim % dim:
        raise StateDictMismatch(f"proj.weight rows {out_dim} are not a multiple of norm width {dim}")
    return {"clip_embeddings_dim": int(emb_dim), "cross_attention_dim": int(dim), "clip_extra_context_tokens": int(out_dim // dim)}


def image_proj_from_file_dict(obj: Mapping[str, object]) -> ImageProjModel:
    """Builds the model from a loaded ip_adapter_image_proj.bin: {'image_proj': state_dict}. Any other
    top-level entry is an error (MuseV's file has only image_proj; an `ip_adapter` k/v part belongs
    to the tencent IP-Adapter files, which the musev_* models do not use)."""
    extra = [k for k in obj if k != "image_proj"]
    if "image_proj" not in obj or extra:
        raise StateDictMismatch(f"expected a dict with only 'image_proj', got keys {sorted(obj)}")
    sd = {k: v.float() for k, v in obj["image_proj"].items()}
    model = ImageProjModel(config_from_state_dict(sd)).eval()
    model.load_checkpoint(sd)
    return model
