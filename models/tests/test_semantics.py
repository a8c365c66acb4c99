"""The modules against naive re-statements of MuseV's code (rearranges, loops, Conv3d), so the
export-friendly rewrites (Conv2d (3,1), gathers instead of repeats, 4D temporal layouts) are
checked against the original formulation."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from musev_export import attention as attn_mod
from musev_export.common import read_json
from musev_export.init_weights import init_random_
from musev_export.presets import config_path
from musev_export.shapes import FrameInfo
from musev_export.text_encoder import CLIPTextModel, tiny_text_config
from musev_export.unet3d import UNet3DConditionModel
from musev_export.unet3d.layers import TemporalConvLayer, sinusoidal_embedding
from musev_export.unet3d.transformers import TransformerTemporalModel
from naive_attention import naive_attention

G = lambda s: torch.Generator().manual_seed(s)  # noqa: E731


def fi_for(b, t):
    return FrameInfo.from_sample(torch.zeros(b, 1, t, 1, 1))


def test_temporal_conv_equals_conv3d():
    b, t, c, h, w = 2, 5, 32, 3, 4
    layer = init_random_(TemporalConvLayer(c), 1)
    x = torch.randn(b * t, c, h, w, generator=G(2))
    with torch.no_grad():
        v = x.reshape(b, t, c, h, w).permute(0, 2, 1, 3, 4)  # "(b t) c h w -> b c t h w"
        hcur = v
        for seq in (layer.conv1, layer.conv2, layer.conv3, layer.conv4):
            conv = seq[-1]
            hcur = F.conv3d(F.silu(F.group_norm(hcur, 32, seq[0].weight, seq[0].bias, 1e-5)), conv.weight, conv.bias, padding=(1, 0, 0))
        ref = (v + layer.temporal_weight.abs() * hcur).permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w)
        out = layer(x, fi_for(b, t))
    assert torch.allclose(out, ref, atol=1e-5)


def test_reference_attention_equals_per_frame_concat():
    b, t, n, c, heads = 2, 3, 6, 32, 2
    a = init_random_(attn_mod.Attention(c, heads), 3)
    x = torch.randn(b * t, n, c, generator=G(4))
    with torch.no_grad():
        out = a.reference_attention(x, fi_for(b, t))
        xs = x.reshape(b, t, n, c)
        rows = []
        for bi in range(b):
            for f in range(t):
                kv_in = torch.cat([xs[bi, f], xs[bi, 0]], dim=0)[None]  # [own ; cond frame]
                rows.append(naive_attention(a.to_q(xs[bi, f][None]), a.to_k(kv_in), a.to_v(kv_in), heads))
        ref = a.to_out[0](torch.cat(rows, dim=0))
    assert torch.allclose(out, ref, atol=1e-5)
    with torch.no_grad():  # T = 1: reference attention == plain self-attention
        single = x[:2]
        assert torch.allclose(a.reference_attention(single, fi_for(2, 1)), a.self_attention(single), atol=1e-5)


def test_cross_attention_equals_repeat_interleave():
    b, t, n, s, c, d, heads = 2, 3, 5, 7, 32, 16, 2
    a = init_random_(attn_mod.Attention(c, heads, d), 5)
    x = torch.randn(b * t, n, c, generator=G(6))
    ctx = torch.randn(b, s, d, generator=G(7))
    with torch.no_grad():
        rep = ctx.repeat_interleave(t, dim=0)
        ref = a.to_out[0](naive_attention(a.to_q(x), a.to_k(rep), a.to_v(rep), heads))
        out = a.cross_attention(x, ctx, fi_for(b, t))
    assert torch.allclose(out, ref, atol=1e-5)


def test_temporal_transformer_equals_musev_rearranges():
    b, t, c, h, w, fdim = 2, 4, 32, 3, 2, 128
    m = init_random_(TransformerTemporalModel(c, 2, fdim), 8)
    x = torch.randn(b * t, c, h, w, generator=G(9))
    femb = torch.randn(t, fdim, generator=G(10))
    with torch.no_grad():
        v = x.reshape(b, t, c, h, w).permute(0, 2, 1, 3, 4)  # "(b t) c h w -> b c t h w"
        # "b c t h w -> (b h w) t c"; femb repeated per (b h w) row as align_repeat_tensor_single_dim
        seq = F.group_norm(v, 32, m.norm.weight, m.norm.bias, 1e-6).permute(0, 3, 4, 2, 1).reshape(b * h * w, t, c)
        seq = m.proj_in(seq) + m.frame_emb_proj(F.silu(femb)).repeat(b * h * w, 1, 1)
        blk = m.transformer_blocks[0]
        n1 = blk.norm1(seq)
        seq = blk.attn1.to_out[0](naive_attention(blk.attn1.to_q(n1), blk.attn1.to_k(n1), blk.attn1.to_v(n1), 2)) + seq
        n2 = blk.norm2(seq)
        seq = blk.attn2.to_out[0](naive_attention(blk.attn2.to_q(n2), blk.attn2.to_k(n2), blk.attn2.to_v(n2), 2)) + seq
        seq = blk.ff(blk.norm3(seq)) + seq
        y = m.proj_out(seq).reshape(b, h, w, t, c).permute(0, 4, 3, 1, 2)  # "(b h w) t c -> b c t h w"
        ref = (v + m.temporal_weight.abs() * y).permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w)
        out = m(x, femb, fi_for(b, t))
    assert torch.allclose(out, ref, atol=1e-5)


def test_sinusoidal_embedding_matches_diffusers_formula():
    t = np.array([0.0, 1.0, 500.5, 999.0])
    dim, half = 32, 16
    freqs = np.exp(-math.log(10000) * np.arange(half) / half)  # downscale_freq_shift = 0
    args = t[:, None] * freqs[None]
    ref = np.concatenate([np.cos(args), np.sin(args)], axis=1)  # flip_sin_to_cos = True
    out = sinusoidal_embedding(torch.tensor(t, dtype=torch.float32), dim).numpy()
    assert np.abs(out - ref).max() < 1e-4


def test_layer_norm_eps_quirk():
    blk = attn_mod.BasicTransformerBlock(32, 2, "temporal")
    assert (blk.norm1.eps, blk.norm2.eps, blk.norm3.eps) == (0.0, 1e-5, 0.0)


@pytest.fixture(scope="module")
def unet():
    return init_random_(UNet3DConditionModel(read_json(config_path("musev_unet"))).eval(), 11)


def _run(u, sample, ctx):
    with torch.no_grad():
        return u(sample, torch.tensor([500.0]), ctx, torch.arange(sample.shape[2]))


def test_cond_frame_information_flow(unet):
    """Spatial attention: frames see the cond frame, the cond frame sees only itself. So with all
    temporal layers off, frame 0's output ignores the other frames, while frame 1 follows frame 0."""
    sample = torch.randn(1, 4, 3, 8, 8, generator=G(12))
    ctx = torch.randn(1, 5, 32, generator=G(13))
    changed = sample.clone()
    changed[:, :, 2] += 1.0
    assert (_run(unet, sample, ctx)[:, :, 0] - _run(unet, changed, ctx)[:, :, 0]).abs().max() > 1e-3  # temporal layers on
    sd = {k: (v * 0 if k.endswith("temporal_weight") else v) for k, v in unet.state_dict().items()}
    still = UNet3DConditionModel(unet.config).eval()
    still.load_state_dict(sd)
    a, b = _run(still, sample, ctx), _run(still, changed, ctx)
    assert (a[:, :, 0] - b[:, :, 0]).abs().max() < 1e-5
    assert (a[:, :, 1] - b[:, :, 1]).abs().max() < 1e-5
    cond_changed = sample.clone()
    cond_changed[:, :, 0] += 1.0
    assert (_run(still, cond_changed, ctx)[:, :, 1] - a[:, :, 1]).abs().max() > 1e-3


def test_batch_items_are_independent(unet):
    sample = torch.randn(2, 4, 2, 8, 8, generator=G(14))
    ctx = torch.randn(2, 5, 32, generator=G(15))
    both = _run(unet, sample, ctx)
    first = _run(unet, sample[:1], ctx[:1])
    assert torch.allclose(both[:1], first, atol=1e-5)


def test_text_encoder_is_causal():
    te = init_random_(CLIPTextModel(tiny_text_config(100)).eval(), 16)
    ids = torch.randint(0, 100, (1, 77), generator=G(17))
    ids2 = ids.clone()
    ids2[0, 10] = (ids[0, 10] + 1) % 100
    with torch.no_grad():
        a, b = te(ids), te(ids2)
    assert torch.allclose(a[:, :10], b[:, :10], atol=1e-6)
    assert (a[:, 10:] - b[:, 10:]).abs().max() > 1e-3
