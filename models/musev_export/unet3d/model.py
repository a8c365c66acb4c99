"""UNet3DConditionModel in MuseV's `musev` and `musev_referencenet(_pose)` configurations
(musev/models/unet_3d_condition.py).

musev: conv_in -> transformer_in (temporal transformer) -> CrossAttnDownBlock3D x3 + DownBlock3D ->
UNetMidBlock3DCrossAttn -> UpBlock3D + CrossAttnUpBlock3D x3 -> GroupNorm -> SiLU -> conv_out.

musev_referencenet(_pose) (spec section 4.1), the same network with:
- no transformer_in;
- use_anivv1_cfg: SiLU after time_embedding (time_nonlinearity) and after frame_embedding
  (femb_nonlinearity); frame_index = arange(T) * motion_speed is the caller's job (graph input);
- resnet_2d_skip_time_act: the resnets feed temb straight into time_emb_proj (the SiLU above);
- keep_vision_condtion: the cond frame's (frame 0's) time embedding is zeroed after that SiLU when
  T > 1, so its resnets add only the time_emb_proj bias;
- ip_adapter_cross_attn: IP-Adapter decoupled cross attention in all attn2 (to_k_ip / to_v_ip);
- need_refer_emb: 13 ReferEmbFuseAttention modules (first_refer_emb_attns after conv_in, 3 per
  down block 0-2, 2 in down block 3, mid_block_refer_emb_attns after the mid block) reading the
  ReferenceNet features with MuseV's index quirk (see referencenet.refer_feature_slices).

`attention_head_dim` in MuseV's config is used as the number of heads (head dim = C / heads).
The attn1 of every spatial block is the parameter-free reference attention (NonParam* processor).
`skip_temporal=True` is MuseV's skip_temporal_layers (first-frame generation): transformer_in,
every temporal conv and temporal transformer become identity (the frame embedding is unused).
"""
from __future__ import annotations

from typing import List, Optional

import torch
from torch import nn
import torch.nn.functional as F

from ..attention import IPContext, ReferEmbFuseAttention
from ..common import group_norm, load_state_dict_strict
from ..refer_features import down_feature_specs, refer_feature_slices
from ..shapes import FrameInfo, reshape0
from .blocks import DOWN_BLOCKS, UP_BLOCKS, BlockCfg, UNetMidBlock3DCrossAttn
from .layers import TimestepEmbedding, sinusoidal_embedding
from .transformers import TransformerTemporalModel

FAMILIES = ("musev", "musev_referencenet", "musev_referencenet_pose")

# MuseV UNet3DConditionModel constructor defaults for the flags below, except need_t2i_ip_adapter:
# MuseV's loader (load_unet_by_name) passes need_t2i_ip_adapter=True for every family.
FLAG_DEFAULTS = {
    "need_transformer_in": True,
    "use_anivv1_cfg": False,
    "resnet_2d_skip_time_act": False,
    "keep_vision_condtion": False,
    "need_refer_emb": False,
    "ip_adapter_cross_attn": False,
    "need_spatial_position_emb": False,
    "need_t2i_facein": False,
    "need_t2i_ip_adapter_face": False,
    "need_t2i_ip_adapter": True,
    "temporal_conv_block": "TemporalConvLayer",
    "temporal_transformer": "TransformerTemporalModel",
}
# The flags that tell the two architectures apart (spec section 4.1 table).
FAMILY_FLAGS = {
    "musev": {
        "need_transformer_in": True,
        "use_anivv1_cfg": False,
        "resnet_2d_skip_time_act": False,
        "keep_vision_condtion": False,
        "need_refer_emb": False,
        "ip_adapter_cross_attn": False,
    },
    "musev_referencenet": {
        "need_transformer_in": False,
        "use_anivv1_cfg": True,
        "resnet_2d_skip_time_act": True,
        "keep_vision_condtion": True,
        "need_refer_emb": True,
        "ip_adapter_cross_attn": True,
    },
}
COMMON_FLAGS = {
    "need_spatial_position_emb": False,
    "need_t2i_facein": False,
    "need_t2i_ip_adapter_face": False,
    "temporal_conv_block": "TemporalConvLayer",
    "temporal_transformer": "TransformerTemporalModel",
}
# What MuseV's load_unet_by_name passes as kwargs (they override config.json), per model name.
LOADER_OVERRIDES = {
    "musev": {
        "need_spatial_position_emb": False,
        "need_t2i_ip_adapter": True,
        "need_adain_temporal_cond": True,
        "t2i_ip_adapter_attn_processor": "NonParamReferenceIPXFormersAttnProcessor",
    },
    "musev_referencenet": {
        "temporal_conv_block": "TemporalConvLayer",
        "need_transformer_in": False,
        "temporal_transformer": "TransformerTemporalModel",
        "use_anivv1_cfg": True,
        "resnet_2d_skip_time_act": True,
        "need_t2i_ip_adapter": True,
        "need_adain_temporal_cond": True,
        "keep_vision_condtion": True,
        "t2i_ip_adapter_attn_processor": "NonParamReferenceIPXFormersAttnProcessor",
        "need_refer_emb": True,
        "need_zero_vis_cond_temb": True,
        "ip_adapter_cross_attn": True,
        "t2i_crossattn_ip_adapter_attn_processor": "T2IReferencenetIPAdapterXFormersAttnProcessor",
        "need_t2i_facein": False,
        "need_t2i_ip_adapter_face": False,
    },
}
LOADER_OVERRIDES["musev_referencenet_pose"] = LOADER_OVERRIDES["musev_referencenet"]


def architecture(family: str) -> str:
    """musev_referencenet_pose shares musev_referencenet's architecture."""
    return "musev" if family == "musev" else "musev_referencenet"


def with_loader_overrides(cfg: dict, family: str) -> dict:
    """config.json as MuseV's loader builds the model for `family` (kwargs override the file)."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r} (one of {', '.join(FAMILIES)})")
    return {**cfg, **LOADER_OVERRIDES[family]}


def check_unet_config(cfg: dict) -> str:
    """Returns the architecture ('musev' or 'musev_referencenet') the config describes, or raises
    naming every flag that keeps it from being one of them."""
    get = lambda k: cfg.get(k, FLAG_DEFAULTS[k])  # noqa: E731
    common = [f"{k}={get(k)!r} (need {v!r})" for k, v in COMMON_FLAGS.items() if get(k) != v]
    proc = cfg.get("t2i_ip_adapter_attn_processor")
    if proc is not None and "NonParam" not in proc:
        common.append(f"t2i_ip_adapter_attn_processor={proc!r} (only parameter-free NonParam* is supported)")
    if not get("need_t2i_ip_adapter"):
        common.append("need_t2i_ip_adapter=False (plain self-attention is not a MuseV model)")
    if cfg.get("act_fn", "silu") != "silu":
        common.append(f"act_fn={cfg['act_fn']!r}")
    per_family = {
        fam: [f"{k}={get(k)!r} (need {v!r})" for k, v in flags.items() if get(k) != v] for fam, flags in FAMILY_FLAGS.items()
    }
    matches = [fam for fam, bad in per_family.items() if not bad]
    if common or not matches:
        parts = ["unsupported UNet3D config"]
        if common:
            parts.append("; ".join(common))
        if not matches:
            parts += [f"as {fam}: " + "; ".join(bad) for fam, bad in per_family.items()]
        raise ValueError(" | ".join(parts))
    return matches[0]


class UNet3DConditionModel(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        self.arch = check_unet_config(cfg)
        self.config = dict(cfg)
        ch = list(cfg["block_out_channels"])
        heads = cfg["attention_head_dim"]
        heads = list(heads) if isinstance(heads, (list, tuple)) else [heads] * len(ch)
        n = cfg["layers_per_block"]
        bc = BlockCfg(cfg)
        self.c0 = ch[0]
        refnet = self.arch == "musev_referencenet"
        self.anivv1 = refnet  # time_nonlinearity / femb_nonlinearity (parameter-free SiLUs)
        self.keep_vision_condition = refnet
        self.ip_adapter = refnet
        self.face_dim = None  # FaceID: set by faceid.attach_face_branch (attn2 gets ip_adapter_face_to_k/v_ip)

        self.conv_in = nn.Conv2d(cfg["in_channels"], ch[0], 3, padding=1)
        self.time_embedding = TimestepEmbedding(ch[0], bc.temb)
        self.frame_embedding = TimestepEmbedding(ch[0], bc.temb)
        # MuseV builds transformer_in with the default 32 groups, not norm_num_groups.
        self.transformer_in = TransformerTemporalModel(ch[0], heads[0], bc.temb, 32) if not refnet else None

        self.down_blocks = nn.ModuleList([])
        self.up_blocks = nn.ModuleList([])  # registered before mid_block, as in MuseV's key order
        if refnet:  # registered after down/up_blocks (empty lists here) and before mid_block, as MuseV
            if ch[-2] != ch[-1]:
                raise ValueError("the refer index quirk feeds block -2 features to block -1: needs equal channels")
            self.first_refer_emb_attns = ReferEmbFuseAttention(ch[0], heads[0])
            self.mid_block_refer_emb_attns = ReferEmbFuseAttention(ch[-1], heads[-1])
            self.refer_slices = refer_feature_slices(len(ch), n)
        else:
            self.first_refer_emb_attns = None
            self.mid_block_refer_emb_attns = None
            self.refer_slices = None
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

    # --- referencenet families: which ReferenceNet features the UNet reads ---------------------------
    def num_ref_features(self) -> int:
        """How many down features D0.. the refer attentions read (10 for SD1.5: D0..D9)."""
        return max(s + k for s, k in self.refer_slices) if self.refer_slices else 0

    def ref_feature_specs(self):
        """(channels, level) of D0..D{n-1} (the ReferenceNet's features, same block layout) and of M."""
        ch = self.config["block_out_channels"]
        specs = down_feature_specs(ch, self.config["layers_per_block"])[: self.num_ref_features()]
        return specs, (ch[-1], len(ch) - 1)

    def forward(
        self, sample, timestep, encoder_hidden_states, frame_index, ip_tokens=None, ip_scale=None,
        refs: Optional[List[torch.Tensor]] = None, ref_mid=None, skip_temporal: bool = False,
        face_tokens=None, face_scale=None,
    ):
        """sample (B, C, T, h, w), frame 0 = clean cond frame; timestep (1,) float; encoder_hidden_states
        (B, S, D); frame_index (T,) int64 (arange(T) for musev, arange(T) * motion_speed for the
        referencenet families). Referencenet families also: ip_tokens (B, L, D), ip_scale (1,),
        refs = [D0..D{n-1}] and ref_mid, each (B, C_k, h_k, w_k). With FaceID (any family): face_tokens
        (B, F, D), face_scale (1,); None skips the face term. -> noise_pred (B, C_out, T, h, w)."""
        fi = FrameInfo.from_sample(sample)
        shp = torch._shape_as_tensor(sample)  # [B, C, T, h, w]
        minus1 = torch.tensor([-1], dtype=torch.int64)
        # (B, C, T, h, w) -> (B, T, C, h, w) -> (B*T, C, h, w): frames folded b-major
        x = reshape0(sample.transpose(1, 2), torch.cat([minus1, shp[1:2], shp[3:5]]))

        temb = self.time_embedding(sinusoidal_embedding(timestep, self.c0))  # (1, 4*C0), shared
        if self.anivv1:
            temb = F.silu(temb)  # time_nonlinearity; the resnets skip their own SiLU
        if self.keep_vision_condition:
            temb = temb * fi.not_cond_rows()  # (B*T, 4*C0), zero on the cond frame when T > 1
        femb = None
        if not skip_temporal:
            femb = self.frame_embedding(sinusoidal_embedding(frame_index, self.c0))  # (T, 4*C0)
            if self.anivv1:
                femb = F.silu(femb)  # femb_nonlinearity (the temporal blocks apply SiLU again)
        context = encoder_hidden_states
        if self.ip_adapter or face_tokens is not None:
            context = IPContext(encoder_hidden_states, ip_tokens, ip_scale, face_tokens, face_scale)

        x = self.conv_in(x)
        if self.transformer_in is not None and not skip_temporal:
            x = self.transformer_in(x, femb, fi)
        if self.first_refer_emb_attns is not None:
            x = self.first_refer_emb_attns(x, refs[0], fi)
        skips = [x]
        for i, blk in enumerate(self.down_blocks):
            block_refs = None
            if self.refer_slices is not None:
                start, count = self.refer_slices[i]
                block_refs = refs[start : start + count]
            if skip_temporal or block_refs is not None:
                x, s = blk(x, temb, femb, context, fi, refs=block_refs, skip_temporal=skip_temporal)
            else:
                x, s = blk(x, temb, femb, context, fi)
            skips.extend(s)
        x = self.mid_block(x, temb, femb, context, fi, skip_temporal=skip_temporal)
        if self.mid_block_refer_emb_attns is not None:
            x = self.mid_block_refer_emb_attns(x, ref_mid, fi)
        for blk in self.up_blocks:
            k = len(blk.resnets)
            x = blk(x, skips[-k:], temb, femb, context, fi, skip_temporal=skip_temporal)
            skips = skips[:-k]
        x = self.conv_out(F.silu(self.conv_norm_out(x)))
        # (B*T, C_out, h, w) -> (B, T, C_out, h, w) -> (B, C_out, T, h, w)
        out_channels = torch.tensor([self.config["out_channels"]], dtype=torch.int64)
        out = reshape0(x, torch.cat([fi.bt_shape, out_channels, shp[3:5]]))
        return out.transpose(1, 2)

    def load_checkpoint(self, state_dict) -> None:
        load_state_dict_strict(self, state_dict)


def unet_input_names(unet: UNet3DConditionModel) -> List[str]:
    names = ["sample", "timestep", "encoder_hidden_states", "frame_index"]
    if unet.ip_adapter:
        names += ["ip_tokens", "ip_scale"]
    if unet.refer_slices is not None:
        names += [f"ref_d{k}" for k in range(unet.num_ref_features())] + ["ref_mid"]
    if unet.face_dim is not None:
        names += ["face_tokens", "face_scale"]
    return names


class UNetGraph(nn.Module):
    """ONNX wrapper with the graph I/O contract (sample, timestep, encoder_hidden_states,
    frame_index [, ip_tokens, ip_scale, ref_d0.., ref_mid] [, face_tokens, face_scale]) -> noise_pred.
    n_vis = 1 and cond index 0 are baked in. skip_temporal=True gives the `unet_spatial` graph."""

    def __init__(self, unet: UNet3DConditionModel, skip_temporal: bool = False):
        super().__init__()
        self.unet = unet
        self.skip_temporal = skip_temporal

    def forward(self, sample, timestep, encoder_hidden_states, frame_index, *extra):
        if not extra and not self.skip_temporal:
            return self.unet(sample, timestep, encoder_hidden_states, frame_index)
        ip_tokens = ip_scale = ref_mid = face_tokens = face_scale = None
        refs = None
        if self.unet.face_dim is not None:
            face_tokens, face_scale, extra = extra[-2], extra[-1], extra[:-2]
        if self.unet.ip_adapter:
            ip_tokens, ip_scale, extra = extra[0], extra[1], extra[2:]
        if self.unet.refer_slices is not None:
            refs, ref_mid = list(extra[:-1]), extra[-1]
        return self.unet(
            sample, timestep, encoder_hidden_states, frame_index, ip_tokens, ip_scale, refs, ref_mid,
            skip_temporal=self.skip_temporal, face_tokens=face_tokens, face_scale=face_scale,
        )
