"""Spatial Transformer2DModel and MuseV's TransformerTemporalModel."""
from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

from ..attention import BasicTransformerBlock
from ..common import group_norm
from ..shapes import FrameInfo, reshape0


class Transformer2DModel(nn.Module):
    """GroupNorm(eps 1e-6) -> proj_in (1x1 conv) -> BasicTransformerBlock (reference attn1 +
    cross attn2 + GEGLU) -> proj_out (1x1 conv) -> + residual. Input (B*T, C, H, W).

    kind='image' (ReferenceNet2D): plain self-attention attn1, x (B, C, H, W), no FrameInfo.
    ip_dim: IP-Adapter to_k_ip/to_v_ip in attn2 (context is then an IPContext)."""

    def __init__(self, c: int, heads: int, context_dim: int, groups: int, kind: str = "spatial", ip_dim=None):
        super().__init__()
        self.norm = group_norm(c, groups, 1e-6)
        self.proj_in = nn.Conv2d(c, c, 1)
        self.transformer_blocks = nn.ModuleList([BasicTransformerBlock(c, heads, kind, context_dim, ip_dim)])
        self.proj_out = nn.Conv2d(c, c, 1)

    def forward(self, x: torch.Tensor, context, fi: FrameInfo = None) -> torch.Tensor:
        t = reshape0(self.proj_in(self.norm(x)), [0, 0, -1]).transpose(1, 2)  # (B*T, HW, C)
        for blk in self.transformer_blocks:
            t = blk(t, context, fi)
        return self.proj_out(t.transpose(1, 2).reshape_as(x)) + x


class TransformerTemporalModel(nn.Module):
    """MuseV temporal transformer (musev/models/temporal_transformer.py).

    x (B*T, C, H, W) -> (B, C, T, H*W) -> GroupNorm(eps 1e-6, statistics over all frames) ->
    (B, H*W, T, C) [MuseV: (B*H*W, T, C)] -> proj_in -> + frame_emb_proj(SiLU(femb)) ->
    BasicTransformerBlock with two self-attentions over T (no mask) + GEGLU -> proj_out -> back;
    output = x + |temporal_weight| * h. femb: (T, femb_channels), shared by every batch item.
    """

    def __init__(self, c: int, heads: int, femb_channels: int, groups: int = 32):
        super().__init__()
        self.channels = c
        self.temporal_weight = nn.Parameter(torch.tensor([1e-5]))
        self.norm = group_norm(c, groups, 1e-6)
        self.proj_in = nn.Linear(c, c)
        self.frame_emb_proj = nn.Linear(femb_channels, c)
        self.transformer_blocks = nn.ModuleList([BasicTransformerBlock(c, heads, "temporal")])
        self.proj_out = nn.Linear(c, c)

    def forward(self, x: torch.Tensor, femb: torch.Tensor, fi: FrameInfo) -> torch.Tensor:
        v = fi.split_frames(x, self.channels).permute(0, 2, 1, 3)  # (B, C, T, HW)
        seq = self.norm(v).permute(0, 3, 2, 1)  # (B, HW, T, C)
        seq = self.proj_in(seq) + self.frame_emb_proj(F.silu(femb))
        for blk in self.transformer_blocks:
            seq = blk(seq)
        y = self.proj_out(seq).permute(0, 2, 3, 1).reshape_as(x)  # (B, T, C, HW) -> (B*T, C, H, W)
        return x + torch.abs(self.temporal_weight) * y
