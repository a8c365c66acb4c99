"""musev_referencenet family: ONNX parity of unet / unet_spatial / referencenet / image_proj /
clip_vision against the PyTorch modules (onnxruntime-node, shapes unlike the export examples),
MuseV semantics (refer index quirk, ReferEmbFuseAttention, IP-Adapter attention, zeroed cond-frame
time embedding, anivv1 frame embedding, skip_temporal_layers), and the tiny-musev-referencenet pack."""
from __future__ import annotations

import copy
import hashlib
import json

import numpy as np
import onnx
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from musev_export import attention as attn_mod
from musev_export.clip_vision import CLIP_MEAN, CLIP_STD
from musev_export.export import GraphExport, export_graph, image_proj_export
from musev_export.init_weights import init_random_
from musev_export.refer_features import refer_feature_slices
from musev_export.schema_check import validate_manifest
from musev_export.shapes import FrameInfo
from musev_export.spatial import SpatialSurgeryError, derive_unet_spatial
from musev_export.unet3d.layers import TemporalConvLayer, sinusoidal_embedding
from musev_export.unet3d.transformers import TransformerTemporalModel
from naive_attention import naive_attention
from onnx_runner import run_onnx

TOL = 1e-4
G = lambda s: torch.Generator().manual_seed(s)  # noqa: E731


def _check(name, ref: torch.Tensor, out: np.ndarray):
    ref = ref.detach().numpy()
    assert out.shape == ref.shape, f"{name}: shape {out.shape} vs {ref.shape}"
    diff = float(np.abs(out - ref).max())
    print(f"{name}: max abs diff {diff:.3g} (max |ref| {np.abs(ref).max():.3g})")
    assert np.isfinite(out).all() and diff <= TOL, f"{name}: max abs diff {diff}"
    assert float(np.abs(ref).std()) > 1e-3


def ref_features(unet, b, rh, rw, g):
    """Random ReferenceNet-shaped features D0..D{n-1}, M for a (rh, rw) reference latent."""
    specs, mid = unet.ref_feature_specs()
    return [torch.randn(b, c, rh >> lvl, rw >> lvl, generator=g) * 2 for c, lvl in specs + [mid]]


def unet_inputs(unet, b, t, h, w, seq, ip_seq, scale, rh, rw, seed, motion_speed=8):
    g = G(seed)
    d = unet.config["cross_attention_dim"]
    sample = torch.randn(b, 4, t, h, w, generator=g)
    timestep = torch.tensor([957.0])
    context = torch.randn(b, seq, d, generator=g)
    frame_index = torch.arange(t, dtype=torch.int64) * motion_speed
    ip = torch.randn(b, ip_seq, d, generator=g)
    refs = ref_features(unet, b, rh, rw, g)
    return sample, timestep, context, frame_index, ip, torch.tensor([scale]), refs


def feeds(sample, timestep, context, frame_index, ip, scale, refs):
    f = {"sample": sample, "timestep": timestep, "encoder_hidden_states": context, "frame_index": frame_index,
         "ip_tokens": ip, "ip_scale": scale}
    f.update({f"ref_d{k}": r for k, r in enumerate(refs[:-1])})
    f["ref_mid"] = refs[-1]
    # the demo pack's UNet has the FaceID branch (test_faceid.py): off here, as without a face image
    f.update(face_tokens=torch.zeros(sample.shape[0], 4, ip.shape[2]), face_scale=torch.tensor([0.0]))
    return {k: v.numpy() for k, v in f.items()}


# --- ONNX parity -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "b,t,h,w,seq,ip_seq,scale,rh,rw",
    [
        (2, 3, 24, 8, 10, 4, 1.0, 16, 24),  # CFG batch, cond + 2 frames, reference latent of another size
        (1, 2, 8, 16, 77, 8, 0.0, 8, 32),  # two IP images' tokens, IP branch off
    ],
)
def test_unet_parity(tiny_ref, tiny_ref_pack, b, t, h, w, seq, ip_seq, scale, rh, rw):
    pack, _ = tiny_ref_pack
    x = unet_inputs(tiny_ref.unet, b, t, h, w, seq, ip_seq, scale, rh, rw, seed=11)
    with torch.no_grad():
        ref = tiny_ref.unet(*x[:6], x[6][:-1], x[6][-1])
    out = run_onnx(pack / "unet.onnx", feeds(*x))["noise_pred"]
    _check(f"ref unet b{b} t{t} {h}x{w} ref{rh}x{rw} ip{ip_seq} s{scale}", ref, out)


def test_unet_spatial_parity(tiny_ref, tiny_ref_pack):
    pack, _ = tiny_ref_pack
    x = unet_inputs(tiny_ref.unet, 2, 1, 16, 8, 7, 4, 1.0, 16, 16, seed=12)
    with torch.no_grad():
        ref = tiny_ref.unet(*x[:6], x[6][:-1], x[6][-1], skip_temporal=True)
    out = run_onnx(pack / "unet_spatial.onnx", feeds(*x))["noise_pred"]
    _check("ref unet_spatial b2 t1 16x8", ref, out)


def test_referencenet_parity(tiny_ref, tiny_ref_pack):
    pack, _ = tiny_ref_pack
    g = G(13)
    sample = torch.randn(2, 4, 24, 16, generator=g)
    timestep = torch.tensor([0.0])
    context = torch.randn(2, 4, 32, generator=g)  # IP tokens as the context, as MuseV
    with torch.no_grad():
        feats, mid = tiny_ref.referencenet(sample, timestep, context)
    out = run_onnx(pack / "referencenet.onnx", {"sample": sample.numpy(), "timestep": timestep.numpy(), "encoder_hidden_states": context.numpy()})
    assert sorted(out) == sorted([f"ref_d{k}" for k in range(10)] + ["ref_mid"])  # D10/D11 are not outputs
    for k in range(10):
        _check(f"referencenet ref_d{k}", feats[k], out[f"ref_d{k}"])
    _check("referencenet ref_mid", mid, out["ref_mid"])
    assert out["ref_d9"].shape == (2, 64, 3, 2) and out["ref_d3"].shape == (2, 32, 12, 8)


def test_image_proj_and_clip_vision_parity(tiny_ref, tiny_ref_pack):
    pack, _ = tiny_ref_pack
    g = G(14)
    pixels = torch.randn(3, 3, 32, 32, generator=g)
    with torch.no_grad():
        emb = tiny_ref.clip_vision(pixels)
        tokens = tiny_ref.image_proj(emb)
    out = run_onnx(pack / "clip_vision.onnx", {"pixel_values": pixels.numpy()})["image_embeds"]
    _check("clip_vision b3", emb, out)
    out = run_onnx(pack / "image_proj.onnx", {"image_embeds": emb.numpy()})["ip_tokens"]
    _check("image_proj b3", tokens, out)
    assert out.shape == (3, 4, 32)


# --- MuseV semantics ---------------------------------------------------------------------------------


def test_refer_index_quirk_formula():
    """MuseV: num_block = self.layers_per_block + int(not is_final_block * 1); start = 1 + num_block * i."""
    def musev(n_blocks, layers):
        out = []
        for i in range(n_blocks):
            is_final_block = i == n_blocks - 1
            num_block = layers + int(not is_final_block * 1)
            start = 1 + num_block * i
            out.append(list(range(start, start + num_block)))
        return out

    assert musev(4, 2) == [[1, 2, 3], [4, 5, 6], [7, 8, 9], [7, 8]]  # spec section 4.5 table
    for n, layers in [(4, 2), (3, 1), (4, 3)]:
        assert [list(range(s, s + k)) for s, k in refer_feature_slices(n, layers)] == musev(n, layers)


def _capture_refs(unet):
    seen = {}
    hooks = []
    for name, m in unet.named_modules():
        if isinstance(m, attn_mod.ReferEmbFuseAttention):
            hooks.append(m.register_forward_hook(lambda mod, args, out, name=name: seen.__setitem__(name, (args[0], args[1], out))))
    return seen, hooks


def test_refer_sites_read_musev_features(tiny_ref):
    """Each ReferEmbFuseAttention gets the feature of the spec's table; D10/D11 are never read."""
    unet = tiny_ref.unet
    g = G(15)
    sample = torch.randn(1, 4, 2, 8, 8, generator=g)
    context = torch.randn(1, 5, 32, generator=g)
    ip = torch.randn(1, 4, 32, generator=g)
    with torch.no_grad():
        feats, mid = tiny_ref.referencenet(torch.randn(1, 4, 16, 8, generator=g), torch.tensor([0.0]), ip)
    assert len(feats) == 12
    args = (sample, torch.tensor([500.0]), context, torch.arange(2) * 8, ip, torch.tensor([1.0]))
    seen, hooks = _capture_refs(unet)
    try:
        with torch.no_grad():
            out = unet(*args, feats, mid)  # all 12 features offered
    finally:
        for h in hooks:
            h.remove()
    expected = {
        "first_refer_emb_attns": 0,
        **{f"down_blocks.0.refer_emb_attns.{j}": 1 + j for j in range(3)},
        **{f"down_blocks.1.refer_emb_attns.{j}": 4 + j for j in range(3)},
        **{f"down_blocks.2.refer_emb_attns.{j}": 7 + j for j in range(3)},
        "down_blocks.3.refer_emb_attns.0": 7,
        "down_blocks.3.refer_emb_attns.1": 8,
    }
    assert set(seen) == set(expected) | {"mid_block_refer_emb_attns"}
    for name, k in expected.items():
        assert seen[name][1] is feats[k], name
    assert seen["mid_block_refer_emb_attns"][1] is mid
    x3, ref3, _ = seen["down_blocks.3.refer_emb_attns.0"]
    # D7 sits one level above down_blocks.3 (reference latent 16x8 vs sample 8x8: 4x2 vs 1x1 here)
    assert ref3.shape[-2:] == (4, 2) and x3.shape[-2:] == (1, 1)

    with torch.no_grad():
        bumped = list(feats)
        bumped[10] = bumped[10] + 5.0
        bumped[11] = torch.randn_like(bumped[11])
        assert torch.equal(unet(*args, bumped, mid), out)  # D10/D11 unused
        # D7 is read by down_blocks.3: with block 2's refer inputs held, only block 3's D7 changes
        seen2, hooks = _capture_refs(unet)
        d7 = feats[7] + torch.randn_like(feats[7])
        orig = unet.down_blocks[3].refer_emb_attns[0].forward
        unet.down_blocks[3].refer_emb_attns[0].forward = lambda x, ref, fi: orig(x, d7, fi)
        try:
            changed = unet(*args, feats, mid)
        finally:
            del unet.down_blocks[3].refer_emb_attns[0].forward
            for h in hooks:
                h.remove()
    assert torch.equal(seen2["down_blocks.2.refer_emb_attns.2"][2], seen["down_blocks.2.refer_emb_attns.2"][2])
    assert not torch.allclose(seen2["down_blocks.3.refer_emb_attns.0"][2], seen["down_blocks.3.refer_emb_attns.0"][2])
    assert float((changed - out).abs().mean()) > 1e-4


def test_refer_emb_attention_equals_musev_formulation():
    """ReferEmbFuseAttention.forward of MuseV: ref 'b c t2 h w -> b (t2 h w) c' repeated per frame,
    K/V input = [ref tokens ; own tokens], Q = own tokens, to_out, + residual."""
    b, t, c, h, w, heads = 2, 3, 32, 4, 5, 2
    a = init_random_(attn_mod.ReferEmbFuseAttention(c, heads), 21)
    x = torch.randn(b * t, c, h, w, generator=G(22))
    ref = torch.randn(b, c, 3, 6, generator=G(23))
    with torch.no_grad():
        out = a(x, ref, FrameInfo.from_sample(torch.zeros(b, 1, t, 1, 1)))
        ref_tok = ref.reshape(b, c, -1).transpose(1, 2).repeat_interleave(t, dim=0)  # (b t) (h2 w2) c
        own = x.reshape(b * t, c, h * w).transpose(1, 2)
        kv = torch.cat([ref_tok, own], dim=1)
        y = a.to_out[0](naive_attention(a.to_q(own), a.to_k(kv), a.to_v(kv), heads))
        expected = y.transpose(1, 2).reshape(b * t, c, h, w) + x
    assert torch.allclose(out, expected, atol=1e-5)


def test_ip_adapter_attention_equals_musev_formulation():
    """T2IReferencenetIPAdapterXFormersAttnProcessor: text and IP tokens repeat_interleaved per frame,
    Attn(q, K_text, V_text) + scale * Attn(q, to_k_ip(P), to_v_ip(P)), then to_out; scale 0 = no IP branch."""
    b, t, n, s, l, c, d, heads = 2, 3, 5, 7, 4, 32, 16, 2
    a = init_random_(attn_mod.Attention(c, heads, d, ip_dim=d), 24)
    x = torch.randn(b * t, n, c, generator=G(25))
    text = torch.randn(b, s, d, generator=G(26))
    ip = torch.randn(b, l, d, generator=G(27))
    fi = FrameInfo.from_sample(torch.zeros(b, 1, t, 1, 1))
    with torch.no_grad():
        for scale in (0.6, 0.0):
            out = a.ip_cross_attention(x, attn_mod.IPContext(text, ip, torch.tensor([scale])), fi)
            tr, ipr = text.repeat_interleave(t, dim=0), ip.repeat_interleave(t, dim=0)
            q = a.to_q(x)
            h = naive_attention(q, a.to_k(tr), a.to_v(tr), heads) + scale * naive_attention(q, a.to_k_ip(ipr), a.to_v_ip(ipr), heads)
            assert torch.allclose(out, a.to_out[0](h), atol=1e-5)
        assert torch.allclose(out, a.cross_attention(x, text, fi), atol=1e-5)


def _resnet_temb_rows(unet, args, **kw):
    got = {}
    h = unet.down_blocks[0].resnets[0].register_forward_pre_hook(lambda mod, a: got.__setitem__("temb", a[1]))
    try:
        with torch.no_grad():
            unet(*args, **kw)
    finally:
        h.remove()
    return got["temb"]


def test_cond_frame_time_embedding_is_zeroed(tiny_ref):
    """keep_vision_condtion + resnet_2d_skip_time_act: temb = SiLU(time_embedding(t)) once, zero on the
    cond frame (frame 0 of each batch item) when T > 1, so its resnets add only the time_emb_proj bias."""
    unet = tiny_ref.unet
    b, t = 2, 2
    x = unet_inputs(unet, b, t, 8, 8, 5, 4, 1.0, 8, 8, seed=31)
    temb = _resnet_temb_rows(unet, x[:6] + (x[6][:-1], x[6][-1]))
    with torch.no_grad():
        want = F.silu(unet.time_embedding(sinusoidal_embedding(x[1], unet.c0)))[0]
        proj = unet.down_blocks[0].resnets[0].time_emb_proj
        assert temb.shape == (b * t, want.shape[0])
        for row in range(b * t):
            if row % t == 0:
                assert torch.equal(temb[row], torch.zeros_like(want))
                assert torch.equal(proj(temb[row]), proj.bias)
            else:
                assert torch.allclose(temb[row], want, atol=1e-6)
    # T = 1 (first frame generation): nothing is zeroed (MuseV checks num_frames > 1)
    x1 = unet_inputs(unet, 1, 1, 8, 8, 5, 4, 1.0, 8, 8, seed=32)
    temb1 = _resnet_temb_rows(unet, x1[:6] + (x1[6][:-1], x1[6][-1]), skip_temporal=True)
    assert torch.allclose(temb1, want[None].expand_as(temb1), atol=1e-6)


def test_anivv1_frame_embedding(tiny_ref):
    """femb = SiLU(frame_embedding(sinusoid(frame_index))) with frame_index as given (arange(T)*motion_speed,
    the caller's job); the temporal transformers apply SiLU again before frame_emb_proj."""
    unet = tiny_ref.unet
    x = unet_inputs(unet, 1, 3, 8, 8, 5, 4, 1.0, 8, 8, seed=33, motion_speed=8)
    got = {}
    h = unet.down_blocks[1].temp_attentions[0].register_forward_pre_hook(lambda mod, a: got.__setitem__("femb", a[1]))
    try:
        with torch.no_grad():
            unet(*x[:6], x[6][:-1], x[6][-1])
    finally:
        h.remove()
    with torch.no_grad():
        want = F.silu(unet.frame_embedding(sinusoidal_embedding(torch.tensor([0, 8, 16]), unet.c0)))
    assert torch.allclose(got["femb"], want, atol=1e-6)


class _Identity(nn.Module):
    def forward(self, x, *args):
        return x


def _temporal_removed(unet):
    """A copy of the UNet whose temporal modules (and transformer_in) are identity modules."""
    twin = copy.deepcopy(unet)
    for m in list(twin.modules()):
        for child_name, child in list(m.named_children()):
            if isinstance(child, (TemporalConvLayer, TransformerTemporalModel)):
                setattr(m, child_name, _Identity())
    return twin


@pytest.mark.parametrize("family", ["musev", "musev_referencenet"])
def test_unet_spatial_equals_temporal_layers_removed(tiny, tiny_ref, tiny_ref_pack, family):
    """skip_temporal=True (MuseV's skip_temporal_layers) == the UNet with every temporal conv, temporal
    transformer and transformer_in replaced by identity, at T = 1; and the ONNX unet_spatial agrees."""
    unet = tiny.unet if family == "musev" else tiny_ref.unet
    twin = _temporal_removed(unet)
    assert not any(isinstance(m, (TemporalConvLayer, TransformerTemporalModel)) for m in twin.modules())
    x = unet_inputs(unet, 2, 1, 8, 16, 9, 4, 0.7, 16, 8, seed=34)
    with torch.no_grad():
        if family == "musev":
            a = unet(*x[:4], skip_temporal=True)
            b = twin(*x[:4])
            full = unet(*x[:4])
        else:
            a = unet(*x[:6], x[6][:-1], x[6][-1], skip_temporal=True)
            b = twin(*x[:6], x[6][:-1], x[6][-1])
            full = unet(*x[:6], x[6][:-1], x[6][-1])
    assert torch.allclose(a, b, atol=1e-6)
    assert float((a - full).abs().mean()) > 1e-2  # the temporal layers do act at T = 1
    if family == "musev_referencenet":
        out = run_onnx(tiny_ref_pack[0] / "unet_spatial.onnx", feeds(*x))["noise_pred"]
        _check("ref unet_spatial vs identity temporal", b, out)


def test_unet_spatial_graph_shares_unet_weights(tiny_ref_pack):
    pack, manifest = tiny_ref_pack
    spatial = onnx.load(str(pack / "unet_spatial.onnx"), load_external_data=False)
    unet = onnx.load(str(pack / "unet.onnx"), load_external_data=False)
    unet_inits = {i.name: list(i.external_data) for i in unet.graph.initializer}
    assert spatial.graph.initializer, "no weights?"
    for init in spatial.graph.initializer:
        assert init.data_location == onnx.TensorProto.EXTERNAL, init.name
        assert list(init.external_data) == unet_inits[init.name]  # same file, offset, length
    names = [n.name for n in spatial.graph.node]
    assert not any("temp_convs" in n or "temp_attentions" in n or "frame_embedding" in n for n in names)
    assert [i.name for i in spatial.graph.input] == [i.name for i in unet.graph.input]
    assert not (pack / "unet_spatial.onnx.data").exists()
    assert manifest["graphs"]["unet_spatial"]["externalData"] == manifest["graphs"]["unet"]["externalData"]


def test_shared_data_fallback_and_surgery_refusal(tiny_ref, tmp_path):
    """The traced fallback's content matching (export_graph share_data_with) on a small graph, and the
    surgery's refusal of a graph without temporal modules."""
    export_graph(image_proj_export(tiny_ref.image_proj), tmp_path)
    twin = image_proj_export(tiny_ref.image_proj)
    twin = GraphExport(**{**twin.__dict__, "name": "image_proj_twin", "share_data_with": "image_proj"})
    export_graph(twin, tmp_path)
    model = onnx.load(str(tmp_path / "image_proj_twin.onnx"), load_external_data=False)
    assert all({e.key: e.value for e in i.external_data}.get("location") == "image_proj.onnx.data" for i in model.graph.initializer)
    assert not (tmp_path / "image_proj_twin.onnx.data").exists()
    emb = torch.randn(2, 16, generator=G(35))
    with torch.no_grad():
        ref = tiny_ref.image_proj(emb)
    _check("image_proj via shared data", ref, run_onnx(tmp_path / "image_proj_twin.onnx", {"image_embeds": emb.numpy()})["ip_tokens"])
    with pytest.raises(SpatialSurgeryError):
        derive_unet_spatial(tmp_path / "image_proj.onnx", tmp_path / "x.onnx")


# --- the pack ----------------------------------------------------------------------------------------

LATENT = ["batch", 4, "frames", "latent_height", "latent_width"]
REF = {
    "ref_d0": ["batch", 32, "ref_height", "ref_width"],
    "ref_d1": ["batch", 32, "ref_height", "ref_width"],
    "ref_d2": ["batch", 32, "ref_height", "ref_width"],
    "ref_d3": ["batch", 32, "ref_height/2", "ref_width/2"],
    "ref_d4": ["batch", 64, "ref_height/2", "ref_width/2"],
    "ref_d5": ["batch", 64, "ref_height/2", "ref_width/2"],
    "ref_d6": ["batch", 64, "ref_height/4", "ref_width/4"],
    "ref_d7": ["batch", 64, "ref_height/4", "ref_width/4"],
    "ref_d8": ["batch", 64, "ref_height/4", "ref_width/4"],
    "ref_d9": ["batch", 64, "ref_height/8", "ref_width/8"],
    "ref_mid": ["batch", 64, "ref_height/8", "ref_width/8"],
}
UNET_IN = [
    ("sample", "float32", LATENT), ("timestep", "float32", [1]), ("encoder_hidden_states", "float32", ["batch", "seq", 32]),
    ("frame_index", "int64", ["frames"]), ("ip_tokens", "float32", ["batch", "ip_seq", 32]), ("ip_scale", "float32", [1]),
    *[(k, "float32", v) for k, v in REF.items()],
    ("face_tokens", "float32", ["batch", "face_seq", 32]), ("face_scale", "float32", [1]),
]
CONTRACT = {
    "unet": (UNET_IN, [("noise_pred", "float32", LATENT)]),
    "unet_spatial": (UNET_IN, [("noise_pred", "float32", LATENT)]),
    "referencenet": (
        [("sample", "float32", ["batch", 4, "ref_height", "ref_width"]), ("timestep", "float32", [1]),
         ("encoder_hidden_states", "float32", ["batch", "seq", 32])],
        [(k, "float32", v) for k, v in REF.items()],
    ),
    "image_proj": ([("image_embeds", "float32", ["batch", 16])], [("ip_tokens", "float32", ["batch", 4, 32])]),
    "clip_vision": ([("pixel_values", "float32", ["batch", 3, 32, 32])], [("image_embeds", "float32", ["batch", 16])]),
}


@pytest.mark.parametrize("graph", list(CONTRACT))
def test_graph_io_contract(tiny_ref_pack, graph):
    _, m = tiny_ref_pack
    ins, outs = CONTRACT[graph]
    g = m["graphs"][graph]
    assert [(t["name"], t["dtype"], t["shape"]) for t in g["inputs"]] == [(n, d, s) for n, d, s in ins]
    assert [(t["name"], t["dtype"], t["shape"]) for t in g["outputs"]] == [(n, d, s) for n, d, s in outs]


def test_manifest(tiny_ref_pack, tiny_pack):
    pack, m = tiny_ref_pack
    assert validate_manifest(m) == []
    assert (m["id"], m["family"], m["randomWeights"], m["dtype"]) == ("tiny-musev-referencenet", "musev_referencenet", True, "float32")
    assert m["name"] == "Tiny demo, ReferenceNet + IP-Adapter (random weights)"
    assert list(m["graphs"]) == ["text_encoder", "vae_encoder", "vae_decoder", "unet", "unet_spatial", "referencenet", "image_proj",
                                 "clip_vision", "face_detector", "face_embedder", "face_proj"]
    assert m["unet"] == {
        "crossAttentionDim": 32, "frameIndexUsesMotionSpeed": True, "latentMultiple": 8,
        "ipAdapter": {"tokens": 4, "clipEmbeddingDim": 16}, "referenceNet": True,
        "ipAdapterFace": {"tokens": 4, "idEmbeddingDim": 512},
    }
    assert m["clipVision"] == {"imageSize": 32, "mean": CLIP_MEAN, "std": CLIP_STD}
    assert m["defaults"] == tiny_pack[1]["defaults"] and m["defaults"]["motionSpeed"] == 8
    assert list(m)[-3:] == ["clipVision", "faceAnalysis", "defaults"]
    listed = set()
    for g in m["graphs"].values():
        for ref in [g] + g["externalData"]:
            data = (pack / ref["file"]).read_bytes()
            assert (ref["bytes"], ref["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
            listed.add(ref["file"])
    listed |= {m["tokenizer"]["vocab"]["file"], m["tokenizer"]["merges"]["file"]}
    assert {str(p.relative_to(pack)) for p in pack.rglob("*") if p.is_file()} - {"manifest.json"} == listed
    # text encoder, VAE and tokenizer are the musev demo pack's (same seeds)
    for name in ("text_encoder", "vae_encoder", "vae_decoder"):
        assert m["graphs"][name]["sha256"] == tiny_pack[1]["graphs"][name]["sha256"]


def test_committed_referencenet_pack_is_current(tiny_ref_pack, committed_ref_pack_dir):
    """public/packs/tiny-musev-referencenet must be what `bash models/make-demo-pack.sh` writes today
    (also shows the export is byte-deterministic: that pack was written by an earlier run)."""
    pack, _ = tiny_ref_pack
    committed = committed_ref_pack_dir / "manifest.json"
    assert committed.exists(), "run: bash models/make-demo-pack.sh"
    assert committed.read_bytes() == (pack / "manifest.json").read_bytes(), "stale: run bash models/make-demo-pack.sh"
    m = json.loads(committed.read_text())
    for g in m["graphs"].values():
        for ref in [g] + g["externalData"]:
            data = (committed_ref_pack_dir / ref["file"]).read_bytes()
            assert len(data) == ref["bytes"] and hashlib.sha256(data).hexdigest() == ref["sha256"], ref["file"]


@pytest.mark.parametrize(
    "edit,needle",
    [
        (lambda m: m["graphs"].pop("referencenet"), "$: matches none"),
        (lambda m: m.pop("clipVision"), "$: matches none"),
        (lambda m: m["unet"].update(referenceNet=False), "$: matches none"),
        (lambda m: m["unet"].pop("ipAdapter"), "$: matches none"),
        (lambda m: m["unet"]["ipAdapter"].update(extra=1), "$.unet.ipAdapter: unexpected property 'extra'"),
        (lambda m: m["clipVision"].update(mean=[0.5, 0.5]), "$.clipVision.mean: needs at least 3"),
        (lambda m: m["clipVision"].update(std=[0.5, 0.5, 0.5, 0.5]), "$.clipVision.std: allows at most 3"),
        (lambda m: m["clipVision"].update(std=[0.5, 0.0, 0.5]), "$.clipVision.std[1]"),
        (lambda m: m["graphs"]["image_proj"].update(sha256="x"), "$.graphs.image_proj.sha256"),
        (lambda m: m["tokenizer"].update(addedTokens=[{"token": "", "id": 3}]), "$.tokenizer.addedTokens[0].token"),
    ],
)
def test_schema_rejects_broken_referencenet_manifests(tiny_ref_pack, edit, needle):
    m = copy.deepcopy(tiny_ref_pack[1])
    edit(m)
    errors = validate_manifest(m)
    assert errors and any(needle in e for e in errors), errors


def test_schema_accepts_added_tokens_and_the_pose_family(tiny_ref_pack):
    m = copy.deepcopy(tiny_ref_pack[1])
    m["tokenizer"]["addedTokens"] = [{"token": "badhandv4", "id": 914}]
    m["family"] = "musev_referencenet_pose"
    assert validate_manifest(m) == []
