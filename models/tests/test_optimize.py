"""Graph-level passes (models/musev_export/optimize) on the tiny pack, run through onnxruntime-node
(CPU EP) against the fp32 PyTorch modules:

- MultiHeadAttention fusion (fp32): max abs diff <= 1e-4 (measured ~1e-5), every UNet/VAE site fused;
- fp16: max abs diff / max |ref| <= 1e-2 (measured 0.7e-3 .. 2.4e-3); norms/softmax stay fp32;
- int8 weights (+fp16, +MHA): max abs diff / max |ref| <= 6e-2 (measured up to ~4.2e-2 on the
  UNet: the tiny random weights have fan-ins of 32-64, so per-channel rounding shows more than
  on SD1.5 weights);
- shards (1 MiB here), manifest honesty, the per-session size check, shared data between graphs.

onnxruntime's CPU EP runs fp16 nodes it has no fp16 kernel for through inserted casts, so these
tolerances measure the weights' rounding and the cast placement, not fp16 arithmetic on a GPU
(SwiftShader has no shader-f16; see models/README.md).
"""
from __future__ import annotations

import hashlib
import json
import math

import numpy as np
import onnx
import pytest
import torch

from musev_export.optimize import OptimizeOptions, optimize_pack
from musev_export.optimize.external import MIB, plan_shards, save_sharded
from musev_export.optimize.fp16 import KEEP_FP32, _elem_types
from musev_export.optimize.graph import FLOAT, FLOAT16
from musev_export.optimize.mha import fuse_attention
from musev_export.schema_check import validate_manifest
from onnx_runner import run_onnx

MHA_TOL = 1e-4
FP16_REL_TOL = 1e-2
INT8_REL_TOL = 6e-2


@pytest.fixture(scope="session")
def variant(tiny_pack, tmp_path_factory):
    """variant(name, **OptimizeOptions) -> (pack_dir, manifest, report), built once per name."""
    src, _ = tiny_pack
    base = tmp_path_factory.mktemp("variants")
    cache = {}

    def get(name, **kw):
        if name not in cache:
            out = base / name
            report = optimize_pack(src, out, OptimizeOptions(**kw), pack_id=f"tiny-musev-{name}")
            cache[name] = (out, json.loads((out / "manifest.json").read_text()), report)
        return cache[name]

    return get


@pytest.fixture(scope="session")
def cases(tiny):
    """(label, graph, inputs, output name, fp32 PyTorch reference) at shapes unlike the traced ones."""
    out = []
    ids = torch.randint(0, tiny.text_encoder.config["vocab_size"], (3, 77), generator=torch.Generator().manual_seed(1))
    image = torch.rand(1, 3, 48, 80, generator=torch.Generator().manual_seed(2)) * 2 - 1
    latent = torch.randn(3, 4, 6, 10, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        out.append(("text_encoder", "text_encoder", {"input_ids": ids.numpy()}, "last_hidden_state", tiny.text_encoder(ids).numpy()))
        out.append(("vae_encoder", "vae_encoder", {"image": image.numpy()}, "latent_mean", tiny.vae.encode_mean(image).numpy()))
        out.append(("vae_decoder", "vae_decoder", {"latent": latent.numpy()}, "image", tiny.vae.decode(latent).numpy()))
        for batch, frames, h, w, seq, t in [(2, 3, 24, 8, 10, 957.0), (1, 1, 8, 16, 77, 1.0)]:
            g = torch.Generator().manual_seed(4)
            sample = torch.randn(batch, 4, frames, h, w, generator=g)
            timestep = torch.tensor([t], dtype=torch.float32)
            context = torch.randn(batch, seq, tiny.unet.config["cross_attention_dim"], generator=g)
            frame_index = torch.arange(frames, dtype=torch.int64)
            ref = tiny.unet(sample, timestep, context, frame_index).numpy()
            feeds = {"sample": sample.numpy(), "timestep": timestep.numpy(), "encoder_hidden_states": context.numpy(),
                     "frame_index": frame_index.numpy()}
            out.append((f"unet b{batch} t{frames} {h}x{w}", "unet", feeds, "noise_pred", ref))
    return out


def _errors(pack, case):
    label, graph, feeds, name, ref = case
    got = run_onnx(pack / f"{graph}.onnx", feeds)[name]
    assert got.shape == ref.shape and got.dtype == np.float32, label
    assert np.isfinite(got).all(), label
    diff = float(np.abs(got - ref).max())
    return diff, diff / float(np.abs(ref).max())


def test_mha_fusion_parity_and_counts(variant, cases):
    pack, manifest, report = variant("fp32-mha", attention="mha")
    for graph in ("unet", "vae_encoder", "vae_decoder", "text_encoder"):
        m = report[graph]["mha"]
        print(f"{graph}: MHA fused {m['fused']}/{m['softmax_sites']} (rank-5 temporal: {m['fused_rank5']})")
        assert m["fused"] == m["softmax_sites"] > 0 and not m["skipped"]
        assert "Softmax" not in report[graph]["ops"]
    assert report["unet"]["mha"]["fused_rank5"] > 0  # the temporal attentions (B, HW, T, C)
    assert report["text_encoder"]["mha"]["with_attention_bias"] == report["text_encoder"]["mha"]["fused"]  # causal mask
    model = onnx.load(str(pack / "unet.onnx"), load_external_data=False)
    assert any(o.domain == "com.microsoft" for o in model.opset_import)
    assert manifest["dtype"] == "float32"
    for case in cases:
        diff, rel = _errors(pack, case)
        print(f"mha {case[0]}: max abs diff {diff:.3g} (rel {rel:.3g})")
        assert diff <= MHA_TOL, case[0]


def test_fp16_parity(variant, cases, tiny_pack):
    pack, manifest, report = variant("fp16", dtype="fp16")
    _, source = tiny_pack
    assert manifest["dtype"] == "float16"
    for name, g in manifest["graphs"].items():  # the I/O contract is unchanged (casts at the boundary)
        assert g["inputs"] == source["graphs"][name]["inputs"] and g["outputs"] == source["graphs"][name]["outputs"]
    for case in cases:
        diff, rel = _errors(pack, case)
        print(f"fp16 {case[0]}: max abs diff {diff:.3g}, relative to max |ref| {rel:.3g}")
        assert rel <= FP16_REL_TOL, case[0]


@pytest.mark.parametrize("graph", ["text_encoder", "vae_decoder", "unet"])
def test_fp16_keeps_norms_and_softmax_fp32(variant, graph):
    pack, _, _ = variant("fp16", dtype="fp16")
    model = onnx.load(str(pack / f"{graph}.onnx"), load_external_data=False)
    types = _elem_types(model)
    inits = {i.name: i for i in model.graph.initializer}
    kept = 0
    for n in model.graph.node:
        if n.op_type in KEEP_FP32:
            kept += 1
            assert all(types[i] == FLOAT for i in n.input if i), n.name
            assert all(types[o] == FLOAT for o in n.output if o), n.name
        if n.op_type in ("MatMul", "Gemm", "Conv") and len(n.input) > 1 and n.input[1] in inits:
            assert inits[n.input[1]].data_type == FLOAT16, n.name
    assert kept > 0
    assert {v.type.tensor_type.elem_type for v in model.graph.output} == {FLOAT}


def test_int8_parity(variant, cases):
    pack, manifest, report = variant("fp32-int8", quantize="int8")
    for graph, rep in report.items():
        q = rep["int8"]
        assert q["quantized_weights"] > 0 and q["bytes_after"] < 0.3 * q["bytes_before"], graph
    model = onnx.load(str(pack / "unet.onnx"), load_external_data=False)
    inits = {i.name: i for i in model.graph.initializer}
    deq = [n for n in model.graph.node if n.op_type == "DequantizeLinear"]
    assert deq and all(inits[n.input[0]].data_type == onnx.TensorProto.INT8 for n in deq)
    for case in cases:
        diff, rel = _errors(pack, case)
        print(f"int8 {case[0]}: max abs diff {diff:.3g}, relative to max |ref| {rel:.3g}")
        assert rel <= INT8_REL_TOL, case[0]


def test_all_passes_with_1mb_shards(variant, cases):
    pack, manifest, report = variant("fp16-int8-mha", dtype="fp16", quantize="int8", attention="mha", shard_mb=1)
    assert validate_manifest(manifest) == []
    listed = {"manifest.json", manifest["tokenizer"]["vocab"]["file"], manifest["tokenizer"]["merges"]["file"]}
    for name, g in manifest["graphs"].items():
        refs = [g] + g["externalData"]
        listed.update(r["file"] for r in refs)
        for r in refs:
            data = (pack / r["file"]).read_bytes()
            assert len(data) == r["bytes"] and hashlib.sha256(data).hexdigest() == r["sha256"], r["file"]
        for r in g["externalData"]:
            assert r["bytes"] <= MIB or any(r["file"] in note for note in report[name].get("notes", [])), r["file"]
        model = onnx.load(str(pack / g["file"]), load_external_data=False)
        locations = {e.value for i in model.graph.initializer for e in i.external_data if e.key == "location"}
        assert locations == {r["file"] for r in g["externalData"]}, name
    on_disk = {str(p.relative_to(pack)) for p in pack.rglob("*") if p.is_file()}
    assert on_disk == listed
    assert len(manifest["graphs"]["unet"]["externalData"]) > 1  # the sharding path is exercised
    for case in cases:
        diff, rel = _errors(pack, case)
        print(f"fp16+int8+mha {case[0]}: relative to max |ref| {rel:.3g}")
        assert rel <= INT8_REL_TOL, case[0]


def test_plan_shards():
    assert plan_shards([5, 5, 5], 10, align=1) == [[0, 1], [2]]
    assert plan_shards([3, 20, 3], 10, align=1) == [[0], [1], [2]]  # an oversize tensor gets its own shard
    assert plan_shards([3, 3], 8, align=4) == [[0, 1]]  # 3, pad to 4, + 3 = 7 <= 8
    assert plan_shards([3, 3], 6, align=4) == [[0], [1]]  # the padding counts: 7 > 6
    assert plan_shards([], 10) == []


def test_session_limit_splits_fp32_and_fp16_fits(tiny_pack, tmp_path):
    """Over the limit the UNet is split into sessions (test_split.py checks the parts' outputs)."""
    src, _ = tiny_pack
    report = optimize_pack(src, tmp_path / "split", OptimizeOptions(max_session_mb=16))  # fp32 UNet ~21 MB
    assert len(report["unet"]["parts"]) == 2 and max(report["unet"]["parts"]) <= 16 * MIB
    # fp16 halves it under the same limit: one session
    report = optimize_pack(src, tmp_path / "fits", OptimizeOptions(dtype="fp16", max_session_mb=16))
    assert report["unet"]["weight_bytes"] <= 16 * MIB and "parts" not in report["unet"]


def test_committed_pack_is_not_touched(committed_pack_dir, tmp_path):
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in committed_pack_dir.rglob("*") if p.is_file()}
    optimize_pack(committed_pack_dir, tmp_path / "copy", OptimizeOptions(dtype="fp16", shard_mb=1))
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in committed_pack_dir.rglob("*") if p.is_file()}
    assert before == after


def test_graphs_can_share_shards(tiny_pack, tmp_path):
    """A graph saved with `reuse` points its equal tensors into another graph's shards (how
    unet_spatial keeps sharing unet's weights after the passes) and still runs."""
    src, _ = tiny_pack
    a = onnx.load(str(src / "vae_decoder.onnx"))
    b = onnx.ModelProto()
    b.CopyFrom(a)
    files_a, index, _ = save_sharded(a, tmp_path / "vae_decoder.onnx", MIB // 2, index=True)
    files_b, _, _ = save_sharded(b, tmp_path / "copy.onnx", MIB // 2, reuse=index)
    assert len(files_a) > 1 and files_b == files_a  # every tensor found in a's shards
    assert not list(tmp_path.glob("copy.onnx.data*"))
    latent = np.random.default_rng(0).standard_normal((1, 4, 4, 6)).astype(np.float32)
    ya = run_onnx(tmp_path / "vae_decoder.onnx", {"latent": latent})["image"]
    yb = run_onnx(tmp_path / "copy.onnx", {"latent": latent})["image"]
    assert np.array_equal(ya, yb)


class _MaskedSelfAttention(torch.nn.Module):
    """CLIP-style causal self-attention with constant head reshapes (0 = copy dim)."""

    def __init__(self, dim=16, heads=4, max_len=12):
        super().__init__()
        self.heads, self.d = heads, dim // heads
        self.q, self.k, self.v = (torch.nn.Linear(dim, dim) for _ in range(3))
        self.register_buffer("mask", torch.full((max_len, max_len), float("-inf")).triu(1))

    def forward(self, x):
        from musev_export.shapes import reshape0

        n = x.shape[1]
        split = [0, -1, self.heads, self.d]
        q = reshape0(self.q(x) * (1.0 / math.sqrt(self.d)), split).transpose(1, 2)
        k = reshape0(self.k(x), split).transpose(1, 2)
        v = reshape0(self.v(x), split).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-1, -2)) + self.mask[:n, :n]
        out = torch.matmul(scores.softmax(-1), v).transpose(1, 2)
        return reshape0(out, [0, -1, self.heads * self.d])


def test_masked_attention_becomes_mha_with_attention_bias(tmp_path):
    torch.manual_seed(0)
    m = _MaskedSelfAttention().eval()
    x = torch.randn(2, 10, 16)
    torch.onnx.export(m, (x,), str(tmp_path / "attn.onnx"), input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "b", 1: "n"}, "y": {0: "b", 1: "n"}}, opset_version=17)
    model = onnx.load(str(tmp_path / "attn.onnx"))
    report = fuse_attention(model)
    assert report.fused == 1 and report.with_attention_bias == 1, report.as_dict()
    onnx.save(model, str(tmp_path / "fused.onnx"))
    xs = torch.randn(3, 7, 16)
    with torch.no_grad():
        ref = m(xs).numpy()
    got = run_onnx(tmp_path / "fused.onnx", {"x": xs.numpy()})["y"]
    assert float(np.abs(got - ref).max()) <= 1e-5


def test_attention_whose_probabilities_are_a_graph_output_is_not_fused(tmp_path):
    """Fusing would drop the Softmax output the graph returns: the site is skipped, the graph kept."""
    m = _MaskedSelfAttention().eval()
    torch.onnx.export(m, (torch.randn(2, 10, 16),), str(tmp_path / "attn.onnx"), input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "b", 1: "n"}, "y": {0: "b", 1: "n"}}, opset_version=17)
    model = onnx.load(str(tmp_path / "attn.onnx"))
    sm = next(n for n in model.graph.node if n.op_type == "Softmax")
    model.graph.output.append(onnx.helper.make_value_info(sm.output[0], onnx.TypeProto()))
    report = fuse_attention(model)
    assert report.fused == 0 and report.softmax_sites == 1, report.as_dict()
    assert any(n.op_type == "Softmax" and n.output[0] == sm.output[0] for n in model.graph.node)


def test_clip_vision_tower_fuses_fully(tmp_path):
    """The CLIP vision tower (IP-Adapter image encoder) splits heads with constant shapes like the
    text encoder, so every attention becomes MultiHeadAttention and the output is unchanged."""
    from musev_export.clip_vision import CLIPVisionModelWithProjection, tiny_vision_config
    from musev_export.export import clip_vision_export, export_graph
    from musev_export.init_weights import init_random_

    model = CLIPVisionModelWithProjection(tiny_vision_config(16)).eval()
    init_random_(model, seed=3)
    path, _ = export_graph(clip_vision_export(model), tmp_path)
    onnx_model = onnx.load(str(path))
    report = fuse_attention(onnx_model)
    assert report.fused == report.softmax_sites == model.config["num_hidden_layers"], report.as_dict()
    assert not any(n.op_type == "Softmax" for n in onnx_model.graph.node)
    onnx.save(onnx_model, str(tmp_path / "fused.onnx"), save_as_external_data=True, location="fused.onnx.data")
    size = model.config["image_size"]
    pixels = torch.rand(2, 3, size, size, generator=torch.Generator().manual_seed(5)) * 2 - 1
    with torch.no_grad():
        ref = model(pixels).numpy()
    got = run_onnx(tmp_path / "fused.onnx", {"pixel_values": pixels.numpy()})["image_embeds"]
    assert got.shape == ref.shape and float(np.abs(got - ref).max()) <= MHA_TOL
