"""AutoencoderKL with diffusers' state-dict layout (sd-vae-ft-mse style config).

Encoder graph: image in [-1,1] -> latent MEAN (first half of quant_conv output, unscaled).
Decoder graph: latent (already divided by scaling_factor) -> post_quant_conv -> decoder -> image.
Mid-block attention uses diffusers' newer names (group_norm, to_q/to_k/to_v/to_out.0, with biases).
"""
from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

from .attention import multi_head_attention
from .common import group_norm, load_state_dict_strict
from .shapes import reshape0

VAE_EPS = 1e-6


class VaeResnet(nn.Module):
    """diffusers ResnetBlock2D with temb_channels=None (no time_emb_proj)."""

    def __init__(self, cin: int, cout: int, groups: int):
        super().__init__()
        self.norm1 = group_norm(cin, groups, VAE_EPS)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2 = group_norm(cout, groups, VAE_EPS)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        if self.conv_shortcut is not None:
            x = self.conv_shortcut(x)
        return x + h


class VaeAttention(nn.Module):
    """Single-head spatial self-attention with GroupNorm and residual (diffusers Attention)."""

    def __init__(self, c: int, groups: int):
        super().__init__()
        self.channels = c
        self.group_norm = group_norm(c, groups, VAE_EPS)
        self.to_q = nn.Linear(c, c)
        self.to_k = nn.Linear(c, c)
        self.to_v = nn.Linear(c, c)
        self.to_out = nn.ModuleList([nn.Linear(c, c), nn.Identity()])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = reshape0(self.group_norm(x), [0, 0, -1]).transpose(1, 2)  # (B, HW, C)
        out = multi_head_attention(self.to_q(t), self.to_k(t), self.to_v(t), 1, self.channels)
        out = self.to_out[0](out).transpose(1, 2).reshape_as(x)
        return out + x


class VaeMidBlock(nn.Module):
    def __init__(self, c: int, groups: int):
        super().__init__()
        self.attentions = nn.ModuleList([VaeAttention(c, groups)])
        self.resnets = nn.ModuleList([VaeResnet(c, c, groups), VaeResnet(c, c, groups)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.resnets[0](x)
        return self.resnets[1](self.attentions[0](x))


class EncoderDownsample(nn.Module):
    """Conv 3x3 stride 2, padding 0, after an asymmetric (0,1,0,1) zero pad (diffusers encoder)."""

    def __init__(self, c: int):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, stride=2, padding=0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.pad(x, (0, 1, 0, 1)))


class Upsample(nn.Module):
    """Nearest x2 then conv 3x3 (diffusers Upsample2D)."""

    def __init__(self, c: int):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class EncoderBlock(nn.Module):
    def __init__(self, cin: int, cout: int, layers: int, groups: int, downsample: bool):
        super().__init__()
        self.resnets = nn.ModuleList([VaeResnet(cin if i == 0 else cout, cout, groups) for i in range(layers)])
        self.downsamplers = nn.ModuleList([EncoderDownsample(cout)]) if downsample else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for r in self.resnets:
            x = r(x)
        if self.downsamplers is not None:
            x = self.downsamplers[0](x)
        return x


class DecoderBlock(nn.Module):
    def __init__(self, cin: int, cout: int, layers: int, groups: int, upsample: bool):
        super().__init__()
        self.resnets = nn.ModuleList([VaeResnet(cin if i == 0 else cout, cout, groups) for i in range(layers)])
        self.upsamplers = nn.ModuleList([Upsample(cout)]) if upsample else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for r in self.resnets:
            x = r(x)
        if self.upsamplers is not None:
            x = self.upsamplers[0](x)
        return x


class Encoder(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        ch, g, n = cfg["block_out_channels"], cfg["norm_num_groups"], cfg["layers_per_block"]
        self.conv_in = nn.Conv2d(cfg["in_channels"], ch[0], 3, padding=1)
        self.down_blocks = nn.ModuleList(
            EncoderBlock(ch[max(i - 1, 0)], ch[i], n, g, downsample=i < len(ch) - 1) for i in range(len(ch))
        )
        self.mid_block = VaeMidBlock(ch[-1], g)
        self.conv_norm_out = group_norm(ch[-1], g, VAE_EPS)
        self.conv_out = nn.Conv2d(ch[-1], 2 * cfg["latent_channels"], 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_in(x)
        for b in self.down_blocks:
            x = b(x)
        x = self.mid_block(x)
        return self.conv_out(F.silu(self.conv_norm_out(x)))


class Decoder(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        ch, g, n = cfg["block_out_channels"], cfg["norm_num_groups"], cfg["layers_per_block"]
        rev = list(reversed(ch))
        self.conv_in = nn.Conv2d(cfg["latent_channels"], rev[0], 3, padding=1)
        self.up_blocks = nn.ModuleList(
            DecoderBlock(rev[max(i - 1, 0)], rev[i], n + 1, g, upsample=i < len(rev) - 1) for i in range(len(rev))
        )
        self.mid_block = VaeMidBlock(rev[0], g)
        self.conv_norm_out = group_norm(ch[0], g, VAE_EPS)
        self.conv_out = nn.Conv2d(ch[0], cfg["out_channels"], 3, padding=1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.mid_block(self.conv_in(z))
        for b in self.up_blocks:
            x = b(x)
        return self.conv_out(F.silu(self.conv_norm_out(x)))


class AutoencoderKL(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        for k in ("down_block_types", "up_block_types"):
            kinds = set(cfg.get(k, []))
            if kinds - {"DownEncoderBlock2D", "UpDecoderBlock2D"}:
                raise ValueError(f"unsupported {k}: {sorted(kinds)}")
        self.config = dict(cfg)
        self.latent_channels = cfg["latent_channels"]
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)
        lc = cfg["latent_channels"]
        self.quant_conv = nn.Conv2d(2 * lc, 2 * lc, 1)
        self.post_quant_conv = nn.Conv2d(lc, lc, 1)

    def encode_mean(self, image: torch.Tensor) -> torch.Tensor:
        moments = self.quant_conv(self.encoder(image))
        return moments[:, : self.latent_channels]

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.post_quant_conv(latent))

    def load_checkpoint(self, state_dict) -> None:
        load_state_dict_strict(self, state_dict)


class VaeEncoderGraph(nn.Module):
    """ONNX wrapper: image (batch,3,H,W) -> latent_mean (batch,4,H/8,W/8)."""

    def __init__(self, vae: AutoencoderKL):
        super().__init__()
        self.vae = vae

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.vae.encode_mean(image)


class VaeDecoderGraph(nn.Module):
    """ONNX wrapper: latent (batch,4,h,w) -> image (batch,3,8h,8w)."""

    def __init__(self, vae: AutoencoderKL):
        super().__init__()
        self.vae = vae

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        return self.vae.decode(latent)
