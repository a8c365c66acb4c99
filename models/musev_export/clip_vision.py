"""CLIP vision tower with projection (transformers' CLIPVisionModelWithProjection layout), the
IP-Adapter image encoder (IP-Adapter/models/image_encoder: OpenCLIP ViT-H/14, gelu, 224 px).

pixel_values (B, 3, S, S), already CLIP-normalised -> image_embeds (B, projection_dim) =
visual_projection(post_layernorm(CLS token of the last layer)), the `image_embeds` MuseV's
ImageClipVisionFeatureExtractor uses (spec section 4.8). Preprocessing (resize/crop to S, mean/std)
is the caller's: the manifest's `clipVision` block carries S, mean and std.
"""
from __future__ import annotations

import torch
from torch import nn

from .common import load_state_dict_strict
from .shapes import reshape0
from .text_encoder import CLIPEncoder

# transformers versions before ~4.31 saved this buffer (always arange(num_positions)).
IGNORABLE_KEYS = ("vision_model.embeddings.position_ids",)
# CLIPImageProcessor defaults (OpenAI CLIP), spec section 4.8.
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


def vision_config(cfg: dict) -> dict:
    """A CLIPVisionConfig dict; a full CLIPConfig's `vision_config` (+ its projection_dim) is accepted."""
    if "vision_config" in cfg:
        out = dict(cfg["vision_config"])
        out["projection_dim"] = cfg.get("projection_dim", out.get("projection_dim", 512))  # CLIPModel's own
        return out
    return dict(cfg)


class CLIPVisionEmbeddings(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        dim, patch, size = cfg["hidden_size"], cfg["patch_size"], cfg["image_size"]
        self.class_embedding = nn.Parameter(torch.zeros(dim))
        self.patch_embedding = nn.Conv2d(cfg.get("num_channels", 3), dim, patch, stride=patch, bias=False)
        self.position_embedding = nn.Embedding((size // patch) ** 2 + 1, dim)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        patches = reshape0(self.patch_embedding(pixel_values), [0, 0, -1]).transpose(1, 2)  # (B, N, dim)
        cls = self.class_embedding[None, None, :].expand(patches.shape[0], 1, -1)
        return torch.cat([cls, patches], dim=1) + self.position_embedding.weight[None]


class CLIPVisionTransformer(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        eps = cfg.get("layer_norm_eps", 1e-5)
        self.embeddings = CLIPVisionEmbeddings(cfg)
        self.pre_layrnorm = nn.LayerNorm(cfg["hidden_size"], eps=eps)  # sic, transformers' name
        self.encoder = CLIPEncoder(cfg)
        self.post_layernorm = nn.LayerNorm(cfg["hidden_size"], eps=eps)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        x = self.pre_layrnorm(self.embeddings(pixel_values))
        for layer in self.encoder.layers:
            x = layer(x, None)
        return self.post_layernorm(x[:, 0, :])  # pooled output: CLS token


class CLIPVisionModelWithProjection(nn.Module):
    """pixel_values (B, 3, S, S) -> image_embeds (B, projection_dim)."""

    def __init__(self, cfg: dict):
        super().__init__()
        cfg = vision_config(cfg)
        if cfg.get("hidden_act", "quick_gelu") not in ("quick_gelu", "gelu"):
            raise ValueError(f"hidden_act {cfg['hidden_act']!r} is not supported")
        self.config = cfg
        self.vision_model = CLIPVisionTransformer(cfg)
        self.visual_projection = nn.Linear(cfg["hidden_size"], cfg["projection_dim"], bias=False)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.visual_projection(self.vision_model(pixel_values))

    def load_checkpoint(self, state_dict) -> None:
        load_state_dict_strict(self, state_dict, ignorable=IGNORABLE_KEYS)


def tiny_vision_config(projection_dim: int, hidden: int = 32, layers: int = 2, heads: int = 2, inner: int = 64,
                       image_size: int = 32, patch: int = 8) -> dict:
    """A transformers-style CLIPVisionConfig for the tiny pack (gelu as ViT-H/14)."""
    return {
        "architectures": ["CLIPVisionModelWithProjection"],
        "model_type": "clip_vision_model",
        "hidden_size": hidden,
        "intermediate_size": inner,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "num_channels": 3,
        "image_size": image_size,
        "patch_size": patch,
        "projection_dim": projection_dim,
        "hidden_act": "gelu",
        "layer_norm_eps": 1e-5,
    }
