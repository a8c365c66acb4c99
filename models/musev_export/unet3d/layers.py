"""Per-frame 2D layers (time embedding, ResnetBlock2D, down/up samplers) and MuseV's temporal conv.

Per-frame modules act on (B*T, C, H, W), frames folded b-major into the batch.
"""
from __future__ import annotations

import math

import torch
from torch import nn
import torch.nn.functional as F

from ..common import Conv3x1as2d, group_norm
from ..shapes import FrameInfo


def sinusoidal_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """diffusers Timesteps(dim, flip_sin_to_cos=True, downscale_freq_shift=0): [cos | sin] with
    frequencies exp(-ln(10000) * k / (dim/2)), k = 0..dim/2-1. t: (N,) any dtype -> (N, dim)."""
    half = dim // 2
    exponent = -math.log(10000.0) * torch.arange(half, dtype=torch.float32)  # same op order as
    freqs = torch.exp(exponent / half)  # diffusers get_timestep_embedding, for identical rounding
    args = t.to(torch.float32)[:, None] * freqs[None, :]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
    if dim % 2 == 1:
        emb = F.pad(emb, (0, 1))
    return emb


class TimestepEmbedding(nn.Module):
    """linear_1 -> SiLU -> linear_2 (diffusers TimestepEmbedding, act_fn silu)."""

    def __init__(self, cin: int, dim: int):
        super().__init__()
        self.linear_1 = nn.Linear(cin, dim)
        self.linear_2 = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear_2(F.silu(self.linear_1(x)))


class ResnetBlock2D(nn.Module):
    """diffusers ResnetBlock2D, time_embedding_norm 'default'.

    temb is (1 or B*T, temb_channels): MuseV repeats one embedding per frame; broadcasting a
    single row is identical because t is shared by every batch item and frame. skip_time_act
    (referencenet families' resnet_2d_skip_time_act): the caller has applied SiLU already, the
    block feeds temb straight into time_emb_proj.
    """

    def __init__(
        self, cin: int, cout: int, temb_channels: int, groups: int, eps: float, output_scale_factor: float = 1.0,
        skip_time_act: bool = False,
    ):
        super().__init__()
        self.skip_time_act = skip_time_act
        self.norm1 = group_norm(cin, groups, eps)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb_channels, cout)
        self.norm2 = group_norm(cout, groups, eps)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None
        self.output_scale_factor = output_scale_factor

    def forward(self, x: torch.Tensor, temb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time_emb_proj(temb if self.skip_time_act else F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        if self.conv_shortcut is not None:
            x = self.conv_shortcut(x)
        out = x + h
        if self.output_scale_factor != 1.0:
            out = out / self.output_scale_factor
        return out


class Downsample2D(nn.Module):
    def __init__(self, c: int, padding: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, stride=2, padding=padding)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class Upsample2D(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class TemporalConvLayer(nn.Module):
    """MuseV TemporalConvLayer (ModelScope style): 4 x [GroupNorm(32) -> SiLU -> (Dropout) ->
    Conv3d(3,1,1)], output = x + |temporal_weight| * h. GroupNorm statistics span all frames
    (the cond frame included); time padding is zeros. GroupNorm is always 32 groups, eps 1e-5,
    regardless of the UNet's norm_num_groups (as in MuseV's resnet.py)."""

    def __init__(self, c: int):
        super().__init__()
        self.channels = c
        self.temporal_weight = nn.Parameter(torch.tensor([1e-5]))
        self.conv1 = nn.Sequential(group_norm(c, 32, 1e-5), nn.SiLU(), Conv3x1as2d(c, c))
        self.conv2 = nn.Sequential(group_norm(c, 32, 1e-5), nn.SiLU(), nn.Identity(), Conv3x1as2d(c, c))
        self.conv3 = nn.Sequential(group_norm(c, 32, 1e-5), nn.SiLU(), nn.Identity(), Conv3x1as2d(c, c))
        self.conv4 = nn.Sequential(group_norm(c, 32, 1e-5), nn.SiLU(), nn.Identity(), Conv3x1as2d(c, c))

    def forward(self, x: torch.Tensor, fi: FrameInfo) -> torch.Tensor:
        v = fi.split_frames(x, self.channels).permute(0, 2, 1, 3)  # (B, C, T, HW)
        y = self.conv4(self.conv3(self.conv2(self.conv1(v))))
        y = y.permute(0, 2, 1, 3).reshape_as(x)  # (B*T, C, H, W)
        return x + torch.abs(self.temporal_weight) * y
