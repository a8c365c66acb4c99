"""CLIP text encoder with transformers' CLIPTextModel state-dict layout.

Config: transformers CLIPTextConfig json (vocab_size, hidden_size, intermediate_size,
num_hidden_layers, num_attention_heads, max_position_embeddings, hidden_act, layer_norm_eps).
Output: last_hidden_state after final_layer_norm (no clip-skip), as MuseV/SD use it.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from .common import load_state_dict_strict
from .shapes import reshape0

# Old transformers versions saved this buffer; it is always arange(max_position_embeddings).
IGNORABLE_KEYS = ("text_model.embeddings.position_ids",)


def quick_gelu(x: torch.Tensor) -> torch.Tensor:
    return x * torch.sigmoid(1.702 * x)


class CLIPAttention(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.k_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.q_proj = nn.Linear(dim, dim)
        self.out_proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, causal_mask: torch.Tensor) -> torch.Tensor:
        # Head split with constant ONNX shapes ([0, -1, H, d]), as attention.multi_head_attention
        # does, so that optimize/mha.py can fuse it (shapes taken from x at run time cannot be).
        c = x.shape[-1]
        d = c // self.heads
        split = [0, -1, self.heads, d]
        q = reshape0(self.q_proj(x) * (1.0 / math.sqrt(d)), split).transpose(1, 2)
        k = reshape0(self.k_proj(x), split).transpose(1, 2)
        v = reshape0(self.v_proj(x), split).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-1, -2))
        if causal_mask is not None:  # None: the CLIP vision tower (no mask)
            scores = scores + causal_mask
        out = torch.matmul(scores.softmax(dim=-1), v).transpose(1, 2)
        return self.out_proj(reshape0(out, [0, -1, c]))


class CLIPMLP(nn.Module):
    def __init__(self, dim: int, inner: int, act: str):
        super().__init__()
        if act not in ("quick_gelu", "gelu"):
            raise ValueError(f"hidden_act {act!r} is not supported (CLIP uses quick_gelu or gelu)")
        self.act = act
        self.fc1 = nn.Linear(dim, inner)
        self.fc2 = nn.Linear(inner, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.act == "gelu":  # exact (erf) GELU: OpenCLIP ViT-H/14 (IP-Adapter image encoder)
            return self.fc2(nn.functional.gelu(self.fc1(x)))
        return self.fc2(quick_gelu(self.fc1(x)))


class CLIPEncoderLayer(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        dim, eps = cfg["hidden_size"], cfg.get("layer_norm_eps", 1e-5)
        self.self_attn = CLIPAttention(dim, cfg["num_attention_heads"])
        self.layer_norm1 = nn.LayerNorm(dim, eps=eps)
        self.mlp = CLIPMLP(dim, cfg["intermediate_size"], cfg.get("hidden_act", "quick_gelu"))
        self.layer_norm2 = nn.LayerNorm(dim, eps=eps)

    def forward(self, x: torch.Tensor, causal_mask: torch.Tensor) -> torch.Tensor:
        x = x + self.self_attn(self.layer_norm1(x), causal_mask)
        return x + self.mlp(self.layer_norm2(x))


class CLIPEmbeddings(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        self.token_embedding = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.position_embedding = nn.Embedding(cfg["max_position_embeddings"], cfg["hidden_size"])


class CLIPEncoder(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        self.layers = nn.ModuleList([CLIPEncoderLayer(cfg) for _ in range(cfg["num_hidden_layers"])])


class CLIPTextTransformer(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        self.embeddings = CLIPEmbeddings(cfg)
        self.encoder = CLIPEncoder(cfg)
        self.final_layer_norm = nn.LayerNorm(cfg["hidden_size"], eps=cfg.get("layer_norm_eps", 1e-5))
        n = cfg["max_position_embeddings"]
        mask = torch.full((n, n), torch.finfo(torch.float32).min).triu(1)
        self.register_buffer("causal_mask", mask, persistent=False)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        seq = input_ids.shape[1]
        x = self.embeddings.token_embedding(input_ids) + self.embeddings.position_embedding.weight[:seq]
        mask = self.causal_mask[:seq, :seq]
        for layer in self.encoder.layers:
            x = layer(x, mask)
        return self.final_layer_norm(x)


class CLIPTextModel(nn.Module):
    """input_ids (batch, 77) int64 -> last_hidden_state (batch, 77, hidden_size)."""

    def __init__(self, cfg: dict):
        super().__init__()
        self.config = dict(cfg)
        self.text_model = CLIPTextTransformer(cfg)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.text_model(input_ids)

    def load_checkpoint(self, state_dict) -> None:
        load_state_dict_strict(self, state_dict, ignorable=IGNORABLE_KEYS)


def tiny_text_config(vocab_size: int, hidden: int = 32, layers: int = 2, heads: int = 2, inner: int = 64) -> dict:
    """A transformers-style CLIPTextConfig dict for the tiny demo pack."""
    return {
        "architectures": ["CLIPTextModel"],
        "model_type": "clip_text_model",
        "vocab_size": vocab_size,
        "hidden_size": hidden,
        "intermediate_size": inner,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "max_position_embeddings": 77,
        "hidden_act": "quick_gelu",
        "layer_norm_eps": 1e-5,
        "projection_dim": hidden,
        "bos_token_id": vocab_size - 2,
        "eos_token_id": vocab_size - 1,
        "pad_token_id": vocab_size - 1,
    }
