"""Attention, GEGLU feed-forward and MuseV's BasicTransformerBlock (diffusers key layout).

Plain MatMul-Softmax-MatMul attention (no fused kernels), written so that torch 1.13 exports it
with dynamic batch / token counts and few shape nodes.

LayerNorm epsilons: MuseV's `BasicTransformerBlock` (musev/models/attention.py) passes its
arguments to the diffusers fork's constructor *positionally* and skips the fork's `norm_eps`
parameter, so `final_dropout=False` lands in `norm_eps`: norm1 and norm3 run with eps = 0.0.
MuseV then re-creates norm2 itself with the LayerNorm default eps = 1e-5. We reproduce that.
"""
from __future__ import annotations

import math
from typing import NamedTuple, Optional

import torch
from torch import nn

from .shapes import FrameInfo, reshape0

NORM1_EPS = 0.0  # = False, see module docstring
NORM2_EPS = 1e-5
NORM3_EPS = 0.0


def multi_head_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, heads: int, channels: int) -> torch.Tensor:
    """softmax(q k^T / sqrt(d)) v per head, d = channels / heads.

    q: (..., Lq, C), k/v: (..., Lk, C) with the same leading dims -> (..., Lq, C)."""
    d = channels // heads
    keep = [0] * (q.dim() - 2) + [-1]  # copy leading dims, infer the token count
    split = keep + [heads, d]
    q = reshape0(q * (1.0 / math.sqrt(d)), split).transpose(-2, -3)  # (..., H, Lq, d)
    k = reshape0(k, split).transpose(-2, -3)
    v = reshape0(v, split).transpose(-2, -3)
    out = torch.matmul(torch.matmul(q, k.transpose(-1, -2)).softmax(dim=-1), v)
    return reshape0(out.transpose(-2, -3), keep + [channels])


class IPContext(NamedTuple):
    """attn2 conditioning with decoupled image branches: text tokens (B, S, D); referencenet
    families: IP-Adapter tokens (B, L, D) and the scale (1,) of that branch; with FaceID (any
    family): face tokens (B, F, D) and their scale (1,). A branch whose tokens are None is skipped."""

    text: torch.Tensor
    ip_tokens: Optional[torch.Tensor] = None
    ip_scale: Optional[torch.Tensor] = None
    face_tokens: Optional[torch.Tensor] = None
    face_scale: Optional[torch.Tensor] = None


class Attention(nn.Module):
    """diffusers `Attention` parameters: to_q/to_k/to_v (bias configurable), to_out.0 (+bias); with
    `ip_dim`, MuseV's IPAttention extras to_k_ip / to_v_ip (Linear(ip_dim, C), no bias)."""

    def __init__(
        self, query_dim: int, heads: int, context_dim: Optional[int] = None, qkv_bias: bool = False, ip_dim: Optional[int] = None
    ):
        super().__init__()
        context_dim = context_dim or query_dim
        self.heads = heads
        self.channels = query_dim
        self.to_q = nn.Linear(query_dim, query_dim, bias=qkv_bias)
        self.to_k = nn.Linear(context_dim, query_dim, bias=qkv_bias)
        self.to_v = nn.Linear(context_dim, query_dim, bias=qkv_bias)
        self.to_out = nn.ModuleList([nn.Linear(query_dim, query_dim), nn.Identity()])  # .1 = Dropout
        self.has_ip = ip_dim is not None
        if self.has_ip:
            self.to_k_ip = nn.Linear(ip_dim, query_dim, bias=False)
            self.to_v_ip = nn.Linear(ip_dim, query_dim, bias=False)
        self.has_face = False

    def add_face_branch(self, face_dim: int) -> None:
        """MuseV's IPAttention with need_t2i_ip_adapter_face: ip_adapter_face_to_k_ip /
        ip_adapter_face_to_v_ip (Linear(face_dim, C), no bias), registered after to_k_ip / to_v_ip.
        Added after the UNet checkpoint is loaded: MuseV loads them from ip-adapter-faceid_sd15.bin."""
        self.ip_adapter_face_to_k_ip = nn.Linear(face_dim, self.channels, bias=False)
        self.ip_adapter_face_to_v_ip = nn.Linear(face_dim, self.channels, bias=False)
        self.has_face = True

    def attend(self, q, k, v) -> torch.Tensor:
        return self.to_out[0](multi_head_attention(q, k, v, self.heads, self.channels))

    def self_attention(self, x: torch.Tensor) -> torch.Tensor:
        return self.attend(self.to_q(x), self.to_k(x), self.to_v(x))

    def reference_attention(self, x: torch.Tensor, fi: FrameInfo) -> torch.Tensor:
        """MuseV's NonParamReferenceIPXFormersAttnProcessor with the cond frame at index 0.

        x: (B*T, N, C) normed tokens, frames b-major. Each frame's keys/values come from
        [own tokens ; tokens of frame 0 of the same batch item]; the cond frame attends to
        [itself ; itself]. to_k/to_v are bias-free linear maps, so projecting the concatenation
        equals concatenating the projections: we project once and gather frame 0's rows.
        With T=1 this equals plain self-attention (duplicated keys leave softmax averages unchanged).
        """
        k = self.to_k(x)
        v = self.to_v(x)
        k_all = torch.cat([k, k.index_select(0, fi.cond_rows)], dim=1)
        v_all = torch.cat([v, v.index_select(0, fi.cond_rows)], dim=1)
        return self.attend(self.to_q(x), k_all, v_all)

    def cross_attention(self, x: torch.Tensor, context: torch.Tensor, fi: FrameInfo) -> torch.Tensor:
        """x: (B*T, N, C); context: (B, S, D), repeated for the T frames of each batch item
        (MuseV repeat_interleaves encoder_hidden_states per frame; we gather the projected K/V)."""
        k = self.to_k(context).index_select(0, fi.batch_rows)
        v = self.to_v(context).index_select(0, fi.batch_rows)
        return self.attend(self.to_q(x), k, v)

    def ip_cross_attention(self, x: torch.Tensor, ctx: IPContext, fi: FrameInfo) -> torch.Tensor:
        """MuseV's T2IReferencenetIPAdapterXFormersAttnProcessor (decoupled cross attention):
        to_out(Attn(q, K_text, V_text) + ip_scale * Attn(q, to_k_ip(P), to_v_ip(P))
               + face_scale * Attn(q, ip_adapter_face_to_k_ip(F), ip_adapter_face_to_v_ip(F))),
        P and F repeated per frame like the text. A scale of 0 is MuseV's "no IP / face image" (the
        branch is skipped there); tokens None (PyTorch calls only) skip the branch here too."""
        q = self.to_q(x)
        k = self.to_k(ctx.text).index_select(0, fi.batch_rows)
        v = self.to_v(ctx.text).index_select(0, fi.batch_rows)
        h = multi_head_attention(q, k, v, self.heads, self.channels)
        if self.has_ip and ctx.ip_tokens is not None:
            h = h + ctx.ip_scale * self._branch(q, ctx.ip_tokens, self.to_k_ip, self.to_v_ip, fi)
        if self.has_face and ctx.face_tokens is not None:
            f_k, f_v = self.ip_adapter_face_to_k_ip, self.ip_adapter_face_to_v_ip
            h = h + ctx.face_scale * self._branch(q, ctx.face_tokens, f_k, f_v, fi)
        return self.to_out[0](h)

    def _branch(self, q, tokens, to_k: nn.Linear, to_v: nn.Linear, fi: FrameInfo) -> torch.Tensor:
        """Attn(q, to_k(tokens), to_v(tokens)) with (B, L, D) tokens gathered per frame."""
        k = to_k(tokens).index_select(0, fi.batch_rows)
        v = to_v(tokens).index_select(0, fi.batch_rows)
        return multi_head_attention(q, k, v, self.heads, self.channels)

    def plain_cross_attention(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        """x: (B, N, C), context: (B, S, D) with the same batch (2D UNets: ReferenceNet)."""
        return self.attend(self.to_q(x), self.to_k(context), self.to_v(context))


class ReferEmbFuseAttention(Attention):
    """MuseV's ReferEmbFuseAttention (musev/models/attention_processor.py): fuses one ReferenceNet
    feature map into the UNet's (B*T, C, h, w) latents. No norm; q/k/v without bias, to_out with
    bias; residual connection:

        x <- x + to_out(Attn(Q = to_q(x), K/V = to_k/to_v([ref tokens ; own tokens])))

    ref: (B, C, h', w'), one reference image per batch item, its h'*w' tokens shared by every
    frame of that item (MuseV repeats them per frame). to_k/to_v have no bias, so the ref part is
    projected once per batch item and gathered per frame.
    """

    def forward(self, x: torch.Tensor, ref: torch.Tensor, fi: FrameInfo) -> torch.Tensor:
        tokens = reshape0(x, [0, 0, -1]).transpose(1, 2)  # (B*T, hw, C)
        ref_tokens = reshape0(ref, [0, 0, -1]).transpose(1, 2)  # (B, h'w', C)
        k = torch.cat([self.to_k(ref_tokens).index_select(0, fi.batch_rows), self.to_k(tokens)], dim=1)
        v = torch.cat([self.to_v(ref_tokens).index_select(0, fi.batch_rows), self.to_v(tokens)], dim=1)
        out = self.attend(self.to_q(tokens), k, v)
        return out.transpose(1, 2).reshape_as(x) + x


class GEGLU(nn.Module):
    def __init__(self, dim_in: int, dim_out: int):
        super().__init__()
        self.proj = nn.Linear(dim_in, dim_out * 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, gate = self.proj(x).chunk(2, dim=-1)
        return h * nn.functional.gelu(gate)  # exact (erf) GELU, as diffusers


class FeedForward(nn.Module):
    """diffusers FeedForward(activation 'geglu', mult 4): net.0 GEGLU, net.1 Dropout, net.2 Linear."""

    def __init__(self, dim: int, mult: int = 4):
        super().__init__()
        inner = dim * mult
        self.net = nn.ModuleList([GEGLU(dim, inner), nn.Identity(), nn.Linear(inner, dim)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for m in self.net:
            x = m(x)
        return x


class BasicTransformerBlock(nn.Module):
    """norm1 -> attn1 -> norm2 -> attn2 -> norm3 -> GEGLU ff, each with a residual.

    kind='spatial': attn1 = parameter-free reference attention (cond frame 0), attn2 = cross
    attention on encoder_hidden_states (context_dim); with `ip_dim` (IP-Adapter) and / or FaceID
    (`attn2.add_face_branch`) attn2 is the decoupled cross attention and `context` an IPContext.
    kind='temporal': attn1 and attn2 are both self-attention over the sequence
    (double_self_attention); x is (B, H*W, T, C).
    kind='image' (ReferenceNet2D, no frames): attn1 = plain self-attention, attn2 = cross attention.
    """

    def __init__(self, dim: int, heads: int, kind: str, context_dim: Optional[int] = None, ip_dim: Optional[int] = None):
        super().__init__()
        assert kind in ("spatial", "temporal", "image")
        assert ip_dim is None or kind == "spatial"
        self.kind = kind
        self.norm1 = nn.LayerNorm(dim, eps=NORM1_EPS)
        self.attn1 = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=NORM2_EPS)
        self.attn2 = Attention(dim, heads, context_dim if kind != "temporal" else None, ip_dim=ip_dim)
        self.norm3 = nn.LayerNorm(dim, eps=NORM3_EPS)
        self.ff = FeedForward(dim)

    def forward(self, x: torch.Tensor, context=None, fi: Optional[FrameInfo] = None) -> torch.Tensor:
        if self.kind == "spatial":
            x = self.attn1.reference_attention(self.norm1(x), fi) + x
            if isinstance(context, IPContext):  # IP-Adapter and / or FaceID branches
                x = self.attn2.ip_cross_attention(self.norm2(x), context, fi) + x
            else:
                x = self.attn2.cross_attention(self.norm2(x), context, fi) + x
        elif self.kind == "image":
            x = self.attn1.self_attention(self.norm1(x)) + x
            x = self.attn2.plain_cross_attention(self.norm2(x), context) + x
        else:
            x = self.attn1.self_attention(self.norm1(x)) + x
            x = self.attn2.self_attention(self.norm2(x)) + x
        return self.ff(self.norm3(x)) + x
