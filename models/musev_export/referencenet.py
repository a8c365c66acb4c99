"""MuseV's ReferenceNet2D (musev/models/referencenet.py, `need_block_embs=True`): a diffusers
UNet2DConditionModel without up blocks, conv_norm_out and conv_out, returning the down path's
"res samples" and the mid-block output.

Features: D0 = conv_in output; then for every down block its resnet(+attention) outputs and its
downsampler output (SD1.5 layout: D0..D11, C@level = 320@0 ×3, 320@1, 640@1 ×2, 640@2, 1280@2 ×2,
1280@3 ×3); M = mid-block output. The UNet3D reads D0..D9 only (MuseV's index quirk, see
`refer_feature_slices`); D10/D11 feed the mid block here but are not graph outputs.

Its transformer blocks are MuseV's BasicTransformerBlock (the same norm eps quirk as the UNet3D:
norm1/norm3 eps 0, norm2 1e-5), with plain self-attention in attn1 and cross attention on the
context in attn2 (the referencenet receives the IP-Adapter tokens, or the text, as context).
"""
from __future__ import annotations

from typing import List, Sequence, Tuple

import torch
from torch import nn

from .common import load_state_dict_strict
from .refer_features import down_feature_specs, refer_feature_slices  # noqa: F401 (re-exported)
from .unet3d.layers import Downsample2D, ResnetBlock2D, TimestepEmbedding, sinusoidal_embedding
from .unet3d.transformers import Transformer2DModel

# Values of the diffusers UNet2DConditionModel options that ReferenceNet2D must have (MuseV's
# referencenet config); anything else changes the network and is refused.
REQUIRED_2D = {
    "center_input_sample": False,
    "flip_sin_to_cos": True,
    "freq_shift": 0,
    "mid_block_type": "UNetMidBlock2DCrossAttn",
    "only_cross_attention": False,
    "act_fn": "silu",
    "transformer_layers_per_block": 1,
    "encoder_hid_dim": None,
    "encoder_hid_dim_type": None,
    "num_attention_heads": None,
    "dual_cross_attention": False,
    "use_linear_projection": False,
    "class_embed_type": None,
    "addition_embed_type": None,
    "num_class_embeds": None,
    "resnet_time_scale_shift": "default",
    "resnet_skip_time_act": False,
    "resnet_out_scale_factor": 1.0,
    "time_embedding_type": "positional",
    "time_embedding_dim": None,
    "time_embedding_act_fn": None,
    "timestep_post_act": None,
    "time_cond_proj_dim": None,
    "conv_in_kernel": 3,
    "attention_type": "default",
    "need_self_attn_block_embs": False,
}


def check_referencenet_config(cfg: dict) -> None:
    bad = [f"{k}={cfg[k]!r} (need {v!r})" for k, v in REQUIRED_2D.items() if k in cfg and cfg[k] != v]
    if not cfg.get("need_block_embs", True):
        bad.append("need_block_embs=False (the ReferenceNet must return its block features)")
    for kind in cfg["down_block_types"]:
        if kind not in ("CrossAttnDownBlock2D", "DownBlock2D"):
            bad.append(f"down block {kind!r}")
    if cfg.get("conv_in_kernel", 3) != 3:
        bad.append("conv_in_kernel")
    if bad:
        raise ValueError("unsupported ReferenceNet2D config: " + "; ".join(bad))


class CrossAttnDownBlock2D(nn.Module):
    """diffusers CrossAttnDownBlock2D / DownBlock2D (attentions registered before resnets)."""

    def __init__(self, cin: int, cout: int, layers: int, heads: int, cfg: dict, temb: int, downsample: bool, with_attn: bool):
        super().__init__()
        groups, eps = cfg["norm_num_groups"], cfg["norm_eps"]
        if with_attn:
            self.attentions = nn.ModuleList(
                Transformer2DModel(cout, heads, cfg["cross_attention_dim"], groups, kind="image") for _ in range(layers)
            )
        else:
            self.attentions = None
        self.resnets = nn.ModuleList(ResnetBlock2D(cin if i == 0 else cout, cout, temb, groups, eps) for i in range(layers))
        self.downsamplers = nn.ModuleList([Downsample2D(cout, cfg.get("downsample_padding", 1))]) if downsample else None

    def forward(self, x, temb, context):
        outs = []
        for i, resnet in enumerate(self.resnets):
            x = resnet(x, temb)
            if self.attentions is not None:
                x = self.attentions[i](x, context)
            outs.append(x)
        if self.downsamplers is not None:
            x = self.downsamplers[0](x)
            outs.append(x)
        return x, outs


class UNetMidBlock2DCrossAttn(nn.Module):
    def __init__(self, c: int, heads: int, cfg: dict, temb: int):
        super().__init__()
        groups, eps = cfg["norm_num_groups"], cfg["norm_eps"]
        self.attentions = nn.ModuleList([Transformer2DModel(c, heads, cfg["cross_attention_dim"], groups, kind="image")])
        scale = cfg.get("mid_block_scale_factor", 1.0)
        self.resnets = nn.ModuleList(ResnetBlock2D(c, c, temb, groups, eps, output_scale_factor=scale) for _ in range(2))

    def forward(self, x, temb, context):
        x = self.resnets[0](x, temb)
        x = self.attentions[0](x, context)
        return self.resnets[1](x, temb)


class ReferenceNet2D(nn.Module):
    """sample (B, 4, h, w), timestep (1,), encoder_hidden_states (B, S, D) ->
    (list of down features D0.., mid feature M), all (B, C, h', w')."""

    def __init__(self, cfg: dict):
        super().__init__()
        check_referencenet_config(cfg)
        self.config = dict(cfg)
        ch = list(cfg["block_out_channels"])
        heads = cfg["attention_head_dim"]  # diffusers' legacy naming: a head count (num_attention_heads=None)
        heads = list(heads) if isinstance(heads, (list, tuple)) else [heads] * len(ch)
        n = cfg["layers_per_block"]
        temb = ch[0] * 4
        self.c0 = ch[0]
        self.layers = n
        self.conv_in = nn.Conv2d(cfg["in_channels"], ch[0], 3, padding=1)
        self.time_embedding = TimestepEmbedding(ch[0], temb)
        self.down_blocks = nn.ModuleList([])
        out = ch[0]
        for i, kind in enumerate(cfg["down_block_types"]):
            cin, out = out, ch[i]
            self.down_blocks.append(
                CrossAttnDownBlock2D(cin, out, n, heads[i], cfg, temb, downsample=i < len(ch) - 1, with_attn=kind == "CrossAttnDownBlock2D")
            )
        self.mid_block = UNetMidBlock2DCrossAttn(ch[-1], heads[-1], cfg, temb)

    def feature_specs(self) -> List[Tuple[int, int]]:
        return down_feature_specs(self.config["block_out_channels"], self.layers)

    def forward(self, sample, timestep, encoder_hidden_states):
        temb = self.time_embedding(sinusoidal_embedding(timestep, self.c0))  # (1, 4*C0), shared
        x = self.conv_in(sample)
        feats = [x]
        for blk in self.down_blocks:
            x, outs = blk(x, temb, encoder_hidden_states)
            feats.extend(outs)
        x = self.mid_block(x, temb, encoder_hidden_states)
        return feats, x

    def load_checkpoint(self, state_dict) -> None:
        load_state_dict_strict(self, state_dict)


class ReferenceNetGraph(nn.Module):
    """ONNX wrapper: (sample, timestep, encoder_hidden_states) -> ref_d0..ref_d{n-1}, ref_mid, with
    n = the number of features the UNet3D reads (10 for the SD1.5 layout)."""

    def __init__(self, net: ReferenceNet2D, n_features: int):
        super().__init__()
        self.net = net
        self.n_features = n_features

    def forward(self, sample, timestep, encoder_hidden_states):
        feats, mid = self.net(sample, timestep, encoder_hidden_states)
        return tuple(feats[: self.n_features]) + (mid,)
