"""Down / mid / up blocks of MuseV's UNet3D (musev/models/unet_3d_blocks.py). The AdaIN calls of
the original are no-ops for 4D inputs (musev/data/data_util.py returns the input unchanged) and
are omitted.

Order inside one layer: ResnetBlock2D -> TemporalConvLayer -> Transformer2DModel ->
TransformerTemporalModel (the attention parts only in CrossAttn* blocks) -> [referencenet
families, down blocks only: refer_emb_attns[j](x, R_j)]. A down block's downsampler output also
goes through its last refer_emb_attns entry.

skip_temporal (MuseV's skip_temporal_layers=True, used for first-frame generation): every
TemporalConvLayer and TransformerTemporalModel returns its input unchanged.
"""
from __future__ import annotations

from typing import List, Optional

import torch
from torch import nn

from ..attention import ReferEmbFuseAttention
from .layers import Downsample2D, ResnetBlock2D, TemporalConvLayer, Upsample2D
from .transformers import Transformer2DModel, TransformerTemporalModel


class BlockCfg:
    """The sizes and family switches every block needs, read once from config.json."""

    def __init__(self, cfg: dict):
        self.temb = cfg["block_out_channels"][0] * 4
        self.groups = cfg["norm_num_groups"]
        self.eps = cfg["norm_eps"]
        self.context_dim = cfg["cross_attention_dim"]
        self.downsample_padding = cfg.get("downsample_padding", 1)
        self.mid_scale = cfg.get("mid_block_scale_factor", 1.0)
        self.skip_time_act = bool(cfg.get("resnet_2d_skip_time_act", False))
        # IP-Adapter k/v in attn2 take cross_attention_dim-wide tokens (MuseV: ip_adapter_dim=cross_attention_dim)
        self.ip_dim = cfg["cross_attention_dim"] if cfg.get("ip_adapter_cross_attn", False) else None
        self.refer = bool(cfg.get("need_refer_emb", False))

    def resnet(self, cin: int, cout: int, scale: float = 1.0) -> ResnetBlock2D:
        return ResnetBlock2D(cin, cout, self.temb, self.groups, self.eps, scale, skip_time_act=self.skip_time_act)

    def transformer(self, c: int, heads: int) -> Transformer2DModel:
        return Transformer2DModel(c, heads, self.context_dim, self.groups, ip_dim=self.ip_dim)

    def attention_layers(self, c: int, heads: int, layers: int):
        """A CrossAttn* block's per-layer spatial and temporal transformers (`attentions`, `temp_attentions`)."""
        spatial = nn.ModuleList(self.transformer(c, heads) for _ in range(layers))
        temporal = nn.ModuleList(TransformerTemporalModel(c, heads, self.temb, self.groups) for _ in range(layers))
        return spatial, temporal


class CrossAttnDownBlock3D(nn.Module):
    def __init__(self, cin: int, cout: int, layers: int, heads: int, bc: BlockCfg, downsample: bool, with_attn: bool = True):
        super().__init__()
        self.resnets = nn.ModuleList(bc.resnet(cin if i == 0 else cout, cout) for i in range(layers))
        self.temp_convs = nn.ModuleList(TemporalConvLayer(cout) for _ in range(layers))
        self.attentions, self.temp_attentions = bc.attention_layers(cout, heads, layers) if with_attn else (None, None)
        self.downsamplers = nn.ModuleList([Downsample2D(cout, bc.downsample_padding)]) if downsample else None
        if bc.refer:  # one per layer, plus one for the downsampler output (heads as the block's attentions)
            n = layers + int(downsample)
            self.refer_emb_attns = nn.ModuleList(ReferEmbFuseAttention(cout, heads) for _ in range(n))
        else:
            self.refer_emb_attns = None

    def forward(self, x, temb, femb, context, fi, refs: Optional[List[torch.Tensor]] = None, skip_temporal: bool = False):
        skips: List[torch.Tensor] = []
        for i, resnet in enumerate(self.resnets):
            x = resnet(x, temb)
            if not skip_temporal:
                x = self.temp_convs[i](x, fi)
            if self.attentions is not None:
                x = self.attentions[i](x, context, fi)
                if not skip_temporal:
                    x = self.temp_attentions[i](x, femb, fi)
            if refs is not None:
                x = self.refer_emb_attns[i](x, refs[i], fi)
            skips.append(x)
        if self.downsamplers is not None:
            x = self.downsamplers[0](x)
            if refs is not None:
                x = self.refer_emb_attns[len(self.resnets)](x, refs[len(self.resnets)], fi)
            skips.append(x)
        return x, skips


class DownBlock3D(CrossAttnDownBlock3D):
    def __init__(self, cin: int, cout: int, layers: int, heads: int, bc: BlockCfg, downsample: bool):
        super().__init__(cin, cout, layers, heads, bc, downsample, with_attn=False)


class UNetMidBlock3DCrossAttn(nn.Module):
    """Resnet -> TemporalConv -> Transformer2D -> TransformerTemporal -> Resnet -> TemporalConv."""

    def __init__(self, c: int, heads: int, bc: BlockCfg):
        super().__init__()
        self.resnets = nn.ModuleList(bc.resnet(c, c, bc.mid_scale) for _ in range(2))
        self.temp_convs = nn.ModuleList(TemporalConvLayer(c) for _ in range(2))
        self.attentions = nn.ModuleList([bc.transformer(c, heads)])
        self.temp_attentions = nn.ModuleList([TransformerTemporalModel(c, heads, bc.temb, bc.groups)])

    def forward(self, x, temb, femb, context, fi, skip_temporal: bool = False):
        if skip_temporal:
            x = self.attentions[0](self.resnets[0](x, temb), context, fi)
            return self.resnets[1](x, temb)
        x = self.temp_convs[0](self.resnets[0](x, temb), fi)
        x = self.attentions[0](x, context, fi)
        x = self.temp_attentions[0](x, femb, fi)
        return self.temp_convs[1](self.resnets[1](x, temb), fi)


class CrossAttnUpBlock3D(nn.Module):
    def __init__(
        self, cin: int, prev_out: int, cout: int, layers: int, heads: int, bc: BlockCfg, upsample: bool, with_attn: bool = True
    ):
        super().__init__()
        resnets = []
        for i in range(layers):
            skip_ch = cin if i == layers - 1 else cout
            res_in = prev_out if i == 0 else cout
            resnets.append(bc.resnet(res_in + skip_ch, cout))
        self.resnets = nn.ModuleList(resnets)
        self.temp_convs = nn.ModuleList(TemporalConvLayer(cout) for _ in range(layers))
        self.attentions, self.temp_attentions = bc.attention_layers(cout, heads, layers) if with_attn else (None, None)
        self.upsamplers = nn.ModuleList([Upsample2D(cout)]) if upsample else None

    def forward(self, x, skips: List[torch.Tensor], temb, femb, context, fi, skip_temporal: bool = False):
        for i, resnet in enumerate(self.resnets):
            x = torch.cat([x, skips.pop()], dim=1)
            x = resnet(x, temb)
            if not skip_temporal:
                x = self.temp_convs[i](x, fi)
            if self.attentions is not None:
                x = self.attentions[i](x, context, fi)
                if not skip_temporal:
                    x = self.temp_attentions[i](x, femb, fi)
        if self.upsamplers is not None:
            x = self.upsamplers[0](x)
        return x


class UpBlock3D(CrossAttnUpBlock3D):
    def __init__(self, cin: int, prev_out: int, cout: int, layers: int, heads: int, bc: BlockCfg, upsample: bool):
        super().__init__(cin, prev_out, cout, layers, heads, bc, upsample, with_attn=False)


DOWN_BLOCKS = {"CrossAttnDownBlock3D": CrossAttnDownBlock3D, "DownBlock3D": DownBlock3D}
UP_BLOCKS = {"CrossAttnUpBlock3D": CrossAttnUpBlock3D, "UpBlock3D": UpBlock3D}
