"""UNet3DConditionModel, MuseV `musev` configuration (musev/models/unet_3d_condition.py).

conv_in -> transformer_in (temporal transformer) -> CrossAttnDownBlock3D x3 + DownBlock3D ->
UNetMidBlock3DCrossAttn -> UpBlock3D + CrossAttnUpBlock3D x3 -> GroupNorm -> SiLU -> conv_out.

`attention_head_dim` in MuseV's config is used as the number of heads (head dim = C / heads).
Only the `musev` flags are supported: need_transformer_in=True, use_anivv1_cfg=False,
resnet_2d_skip_time_act=False, keep_vision_condtion=False, need_refer_emb=False,
ip_adapter_cross_attn=False, parameter-free reference attn1 (NonParam* processor).
"""
from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

from ..common import group_norm, load_state_dict_strict
from ..shapes import FrameInfo, reshape0
from .blocks import DOWN_BLOCKS, UP_BLOCKS, BlockCfg, UNetMidBlock3DCrossAttn
from .layers import TimestepEmbedding, sinusoidal_embedding
from .transformers import TransformerTemporalModel

REQUIRED_FLAGS = {
    "need_transformer_in": True,
    "use_anivv1_cfg": False,
    "resnet_2d_skip_time_act": False,
    "keep_vision_condtion": False,
    "need_refer_emb": False,
    "ip_adapter_cross_attn": False,
    "need_spatial_position_emb": False,
    "need_t2i_facein": False,
    "need_t2i_ip_adapter_face": False,
    "temporal_conv_block": "TemporalConvLayer",
    "temporal_transformer": "TransformerTemporalModel",
}


def check_musev_config(cfg: dict) -> None:
    bad = [f"{k}={cfg[k]!r} (need {v!r})" for k, v in REQUIRED_FLAGS.items() if k in cfg and cfg[k] != v]
    proc = cfg.get("t2i_ip_adapter_attn_processor")
    if cfg.get("need_t2i_ip_adapter", True) and proc is not None and "NonParam" not in proc:
        bad.append(f"t2i_ip_adapter_attn_processor={proc!r} (only parameter-free NonParam* is supported)")
    if not cfg.get("need_t2i_ip_adapter", True):
        bad.append("need_t2i_ip_adapter=False (plain self-attention is not the musev model)")
    if cfg.get("act_fn", "silu") != "silu":
        bad.append(f"act_fn={cfg['act_fn']!r}")
    if bad:
        raise ValueError("unsupported UNet3D config for the musev family: " + "; ".join(bad))


class UNet3DConditionModel(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        check_musev_config(cfg)
        self.config = dict(cfg)
        ch = list(cfg["block_out_channels"])
        heads = cfg["attention_head_dim"]
        heads = list(heads) if isinstance(heads, (list, tuple)) else [heads] * len(ch)
        n = cfg["layers_per_block"]
        bc = BlockCfg(cfg)
        self.c0 = ch[0]

        self.conv_in = nn.Conv2d(cfg["in_channels"], ch[0], 3, padding=1)
        self.time_embedding = TimestepEmbedding(ch[0], bc.temb)
        self.frame_embedding = TimestepEmbedding(ch[0], bc.temb)
        # MuseV builds transformer_in with the default 32 groups, not norm_num_groups.
        self.transformer_in = TransformerTemporalModel(ch[0], heads[0], bc.temb, 32)

        self.down_blocks = nn.ModuleList([])
        self.up_blocks = nn.ModuleList([])  # registered before mid_block, as in MuseV's key order
        out = ch[0]
        for i, kind in enumerate(cfg["down_block_types"]):
            cin, out = out, ch[i]
            self.down_blocks.append(DOWN_BLOCKS[kind](cin, out, n, heads[i], bc, downsample=i < len(ch) - 1))
        self.mid_block = UNetMidBlock3DCrossAttn(ch[-1], heads[-1], bc)

        rev, rev_heads = list(reversed(ch)), list(reversed(heads))
        out = rev[0]
        for i, kind in enumerate(cfg["up_block_types"]):
            prev, out = out, rev[i]
            cin = rev[min(i + 1, len(ch) - 1)]
            self.up_blocks.append(UP_BLOCKS[kind](cin, prev, out, n + 1, rev_heads[i], bc, upsample=i < len(ch) - 1))
        self.num_upsamplers = len(ch) - 1

        self.conv_norm_out = group_norm(ch[0], bc.groups, bc.eps)
        self.conv_out = nn.Conv2d(ch[0], cfg["out_channels"], 3, padding=1)

    def forward(self, sample, timestep, encoder_hidden_states, frame_index):
        """sample (B, C, T, h, w), frame 0 = clean cond frame; timestep (1,) float; encoder_hidden_states
        (B, S, D); frame_index (T,) int64 (arange(T) for musev) -> noise_pred (B, C_out, T, h, w)."""
        fi = FrameInfo.from_sample(sample)
        shp = torch._shape_as_tensor(sample)  # [B, C, T, h, w]
        minus1 = torch.tensor([-1], dtype=torch.int64)
        # (B, C, T, h, w) -> (B, T, C, h, w) -> (B*T, C, h, w): frames folded b-major
        x = reshape0(sample.transpose(1, 2), torch.cat([minus1, shp[1:2], shp[3:5]]))

        temb = self.time_embedding(sinusoidal_embedding(timestep, self.c0))  # (1, 4*C0), shared
        femb = self.frame_embedding(sinusoidal_embedding(frame_index, self.c0))  # (T, 4*C0)

        x = self.conv_in(x)
        x = self.transformer_in(x, femb, fi)
        skips = [x]
        for blk in self.down_blocks:
            x, s = blk(x, temb, femb, encoder_hidden_states, fi)
            skips.extend(s)
        x = self.mid_block(x, temb, femb, encoder_hidden_states, fi)
        for blk in self.up_blocks:
            k = len(blk.resnets)
            x = blk(x, skips[-k:], temb, femb, encoder_hidden_states, fi)
            skips = skips[:-k]
        x = self.conv_out(F.silu(self.conv_norm_out(x)))
        # (B*T, C_out, h, w) -> (B, T, C_out, h, w) -> (B, C_out, T, h, w)
        out_channels = torch.tensor([self.config["out_channels"]], dtype=torch.int64)
        out = reshape0(x, torch.cat([fi.bt_shape, out_channels, shp[3:5]]))
        return out.transpose(1, 2)

    def load_checkpoint(self, state_dict) -> None:
        load_state_dict_strict(self, state_dict)


class UNetGraph(nn.Module):
    """ONNX wrapper with the graph I/O contract (sample, timestep, encoder_hidden_states,
    frame_index) -> noise_pred. n_vis = 1 and cond index 0 are baked in."""

    def __init__(self, unet: UNet3DConditionModel):
        super().__init__()
        self.unet = unet

    def forward(self, sample, timestep, encoder_hidden_states, frame_index):
        return self.unet(sample, timestep, encoder_hidden_states, frame_index)
