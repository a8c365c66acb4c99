"""Query-chunked attention (optimize/query_chunks.py, `--attention-query-chunks N`) on both tiny
packs, run through onnxruntime-node (CPU EP) against the same pack unchunked:

- equal outputs: softmax is per query row, so slicing the queries changes nothing but, at most,
  the summation blocking of onnxruntime's kernels. Measured max abs diff (max |out| 1.7-2.5): 0 in
  every case here (musev plain / MHA / fp16+MHA, unet and unet_spatial, 24x16 and the smallest
  latent 8x8; referencenet family with MHA); an exploratory run chunking every level 3 or 64 ways
  at 8x8 gave <= 3e-6. Asserted <= 1e-5;
- the chunk structure: with N = 16 the tiny UNet's four levels get [16, 4, 1, 1] chunks; every
  level-0 / level-1 spatial site becomes 16 / 4 Slice + attention copies and one Concat, each chunk
  one MultiHeadAttention with the full keys; the probabilities of one chunk really have ⌈S/n⌉ rows
  (read back from the graph); the ReferenceNet fuse attention after a downsampler counts as the
  deeper level;
- the manifest records it (`unet.attentionQueryChunks`), the default export does not.
The tiny latents make S = h·w small (24x16: 384 level-0 queries, 16 chunks of 24 rows).
"""
from __future__ import annotations

import json
from collections import Counter

import numpy as np
import onnx
import pytest
from onnx import helper

from musev_export.optimize import OptimizeOptions, optimize_pack
from musev_export.optimize.query_chunks import chunk_attention_queries, query_chunk_schedule, site_level, unet_levels
from musev_export.schema_check import validate_manifest
from musev_export import tree
from onnx_runner import run_onnx

N = 16
SCHEDULE = [16, 4, 1, 1]  # ⌈16 / 4^l⌉ for the tiny UNet's 4 levels
TOL = 1e-5
TEMPORAL_SITES = 34  # transformer_in + 16 temporal transformers, attn1 + attn2 each (musev family)


@pytest.fixture(scope="module")
def variant(committed_pack_dir, committed_ref_pack_dir, tmp_path_factory):
    """variant(family, name, **OptimizeOptions) -> (pack_dir, manifest, report); name "" = the committed pack."""
    base = tmp_path_factory.mktemp("query-chunks")
    sources = {"musev": committed_pack_dir, "referencenet": committed_ref_pack_dir}
    cache = {}

    def get(family, name, **kw):
        if not name:
            return sources[family], json.loads((sources[family] / "manifest.json").read_text()), None
        key = (family, name)
        if key not in cache:
            out = base / f"{family}-{name}"
            report = optimize_pack(sources[family], out, OptimizeOptions(**kw), pack_id=f"tiny-{family}-{name}")
            cache[key] = (out, json.loads((out / "manifest.json").read_text()), report)
        return cache[key]

    return get


def _dim(d, sizes):
    if isinstance(d, int):
        return d
    name, _, div = d.partition("/")
    return sizes[name] // int(div or 1)


def unet_feeds(manifest, graph="unet", batch=2, frames=3, h=24, w=16, seq=10, seed=0):
    """Random feeds for every UNet input the manifest lists (referencenet packs: IP / face tokens
    and scales on, ReferenceNet features of a 16x16 reference latent)."""
    g = np.random.default_rng(seed)
    sizes = {"batch": batch, "frames": frames, "latent_height": h, "latent_width": w, "seq": seq, "ip_seq": 4,
             "face_seq": 4, "ref_height": 16, "ref_width": 16}
    out = {}
    for t in manifest["graphs"][graph]["inputs"]:
        shape = [_dim(d, sizes) for d in t["shape"]]
        if t["name"] == "frame_index":
            out[t["name"]] = np.arange(frames, dtype=np.int64)
        elif t["name"] == "timestep":
            out[t["name"]] = np.array([957.0], np.float32)
        elif t["name"].endswith("_scale"):
            out[t["name"]] = np.array([0.7], np.float32)
        else:
            out[t["name"]] = g.standard_normal(shape, dtype=np.float32)
    return out


def _max_diff(pack_a, pack_b, graph, feeds):
    a = run_onnx(pack_a / f"{graph}.onnx", feeds)["noise_pred"]
    b = run_onnx(pack_b / f"{graph}.onnx", feeds)["noise_pred"]
    assert a.shape == b.shape and np.isfinite(b).all()
    return float(np.abs(a - b).max()), float(np.abs(a).max())


SHAPES = [dict(batch=2, frames=3, h=24, w=16, seq=10), dict(batch=1, frames=2, h=8, w=8, seq=77)]


@pytest.mark.parametrize("attention", ["plain", "mha"])
def test_chunked_unet_equals_whole(variant, attention):
    """Chunked vs unchunked, same pass otherwise (plain: the committed pack; mha: MHA-fused)."""
    whole, manifest, _ = variant("musev", "" if attention == "plain" else "mha", attention=attention)
    chunked, _, _ = variant("musev", f"{attention}-qc{N}", attention=attention, attention_query_chunks=N)
    for i, shape in enumerate(SHAPES):
        diff, scale = _max_diff(whole, chunked, "unet", unet_feeds(manifest, seed=i, **shape))
        print(f"{attention} unet {shape}: chunked vs whole max abs diff {diff:.3g} (max |out| {scale:.3g})")
        assert diff <= TOL
    diff, scale = _max_diff(whole, chunked, "unet_spatial", unet_feeds(manifest, "unet_spatial", frames=1, seed=5))
    print(f"{attention} unet_spatial 24x16: max abs diff {diff:.3g}")
    assert diff <= TOL


def test_chunked_fp16_mha_pack_equals_whole(variant):
    """The real packs' variant: fp16 + MHA (the fp16 pass keeps every chunk's Softmax in fp32)."""
    whole, manifest, _ = variant("musev", "fp16-mha", dtype="fp16", attention="mha")
    chunked, cm, report = variant("musev", f"fp16-mha-qc{N}", dtype="fp16", attention="mha", attention_query_chunks=N)
    assert cm["dtype"] == "float16" and cm["unet"]["attentionQueryChunks"] == SCHEDULE
    assert report["unet"]["ops"]["MultiHeadAttention"] == TEMPORAL_SITES + 10 * 16 + 10 * 4 + 12
    diff, scale = _max_diff(whole, chunked, "unet", unet_feeds(manifest, seed=7, **SHAPES[0]))
    print(f"fp16 mha unet 24x16: chunked vs whole max abs diff {diff:.3g} (max |out| {scale:.3g})")
    assert diff <= TOL


def test_chunked_referencenet_family_unet_equals_whole(variant):
    """IP-Adapter / FaceID branches (three attentions on one q) and the ReferenceNet fuse attentions."""
    whole, manifest, _ = variant("referencenet", "mha", attention="mha")
    chunked, cm, report = variant("referencenet", f"mha-qc{N}", attention="mha", attention_query_chunks=N)
    assert cm["unet"]["attentionQueryChunks"] == SCHEDULE
    for i, shape in enumerate(SHAPES):
        diff, scale = _max_diff(whole, chunked, "unet", unet_feeds(manifest, seed=10 + i, **shape))
        print(f"referencenet mha unet {shape}: chunked vs whole max abs diff {diff:.3g} (max |out| {scale:.3g})")
        assert diff <= TOL
    qc = report["unet"]["query_chunks"]
    assert qc["sites_per_level"] == {0: 23, 1: 23, 2: 23, 3: 8} and qc["chunked"] == 46
    # 13 fuse attentions: first + 3 per down block 0-2 + 2 in block 3 + mid; each block's third one
    # reads the downsampler's output (one level deeper)
    model = onnx.load(str(chunked / "unet.onnx"), load_external_data=False)
    scope = lambda name: name.split("/qchunk")[0] if "/qchunk" in name else name.rsplit("/", 1)[0]  # noqa: E731
    mha = Counter(scope(n.name) for n in model.graph.node if n.op_type == "MultiHeadAttention")
    assert mha["/unet/first_refer_emb_attns"] == 16
    assert mha["/unet/down_blocks.0/refer_emb_attns.1"] == 16
    assert mha["/unet/down_blocks.0/refer_emb_attns.2"] == 4  # level 1
    assert mha["/unet/down_blocks.1/refer_emb_attns.2"] == 1  # level 2: whole
    assert mha["/unet/mid_block_refer_emb_attns"] == 1
    print(f"referencenet unet: {qc}")


def test_chunk_structure_and_chunk_rows(variant):
    pack, manifest, report = variant("musev", f"plain-qc{N}", attention="plain", attention_query_chunks=N)
    qc = report["unet"]["query_chunks"]
    assert qc["per_level"] == SCHEDULE
    assert qc["sites_per_level"] == {0: 10, 1: 10, 2: 10, 3: 2}  # attn1 + attn2 of 2 down + 3 up transformers; mid
    assert qc["chunked"] == 20
    assert qc["skipped"] == {"temporal attention (rank-5 heads, S = frames): not chunked": TEMPORAL_SITES,
                             "level 2: 1 chunk": 10, "level 3: 1 chunk": 2}
    model = onnx.load(str(pack / "unet.onnx"), load_external_data=False)
    ops = Counter(n.op_type for n in model.graph.node)
    chunk_slices = [n for n in model.graph.node if n.op_type == "Slice" and "/qchunk" in n.name]
    assert len(chunk_slices) == 10 * 16 + 10 * 4
    assert sum("qchunk_concat" in n.name for n in model.graph.node if n.op_type == "Concat") == 20
    assert ops["Softmax"] == TEMPORAL_SITES + 10 * 16 + 10 * 4 + 12

    # read back one level-0 and one level-1 site's chunk probabilities: ⌈S/n⌉ query rows each
    sites = {"/unet/down_blocks.0/attentions.0/transformer_blocks.0": 16, "/unet/down_blocks.1/attentions.0/transformer_blocks.0": 4}
    probes = []
    for site, n in sites.items():
        for tail in ("Softmax", "Softmax_1"):  # attn1 (self + cond frame), attn2 (cross)
            for i in range(n):
                node = next(x for x in model.graph.node if x.name == f"{site}/qchunk{i}/{tail}")
                name = f"probe_{len(probes)}"
                model.graph.node.append(helper.make_node("Identity", [node.output[0]], [name]))
                model.graph.output.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
                probes.append((site, tail, i, name))
    probe_path = pack / "unet_probe.onnx"
    onnx.save_model(model, str(probe_path))
    feeds = unet_feeds(manifest, batch=2, frames=3, h=24, w=16, seq=10)
    out = run_onnx(probe_path, feeds)
    probe_path.unlink()
    rows = {}
    for site, tail, i, name in probes:
        p = out[name]
        level = 0 if "down_blocks.0" in site else 1
        tokens = (24 >> level) * (16 >> level)
        keys = 2 * tokens if tail == "Softmax" else 10
        assert p.shape[0] == 2 * 3 and p.shape[-1] == keys, (site, tail, p.shape)
        assert np.allclose(p.sum(-1), 1, atol=1e-5)
        rows.setdefault((site, tail), []).append(p.shape[-2])
    for (site, tail), r in rows.items():
        n = sites[site]
        tokens = 384 if "down_blocks.0" in site else 96
        print(f"{site} {tail}: chunk rows {r} of {tokens} queries")
        assert sum(r) == tokens and max(r) == -(-tokens // n) and len(r) == n


def test_mha_per_chunk_with_full_keys(variant):
    pack, _, report = variant("musev", f"mha-qc{N}", attention="mha", attention_query_chunks=N)
    m = report["unet"]["mha"]
    assert m["fused"] == m["softmax_sites"] == TEMPORAL_SITES + 10 * 16 + 10 * 4 + 12 and not m["skipped"]
    model = onnx.load(str(pack / "unet.onnx"), load_external_data=False)
    prods = {o: n for n in model.graph.node for o in n.output}
    site = "/unet/down_blocks.0/attentions.0/transformer_blocks.0"
    chunks = [n for n in model.graph.node if n.op_type == "MultiHeadAttention" and n.name.startswith(f"{site}/qchunk")]
    assert len(chunks) == 2 * 16  # attn1 and attn2
    by_kv = Counter((n.input[1], n.input[2]) for n in chunks)
    assert sorted(by_kv.values()) == [16, 16]  # every chunk of a site reads the same, whole keys / values
    assert all(prods[n.input[0]].op_type == "Slice" for n in chunks)


def test_manifest_records_chunking(variant, tmp_path):
    _, plain, _ = variant("musev", "")
    assert "attentionQueryChunks" not in plain["unet"]
    pack, manifest, _ = variant("musev", f"plain-qc{N}", attention="plain", attention_query_chunks=N)
    assert manifest["unet"]["attentionQueryChunks"] == SCHEDULE
    assert validate_manifest(manifest) == []
    assert validate_manifest({**manifest, "unet": {**manifest["unet"], "attentionQueryChunks": [0]}}) != []
    with pytest.raises(ValueError, match="already query-chunked"):
        optimize_pack(pack, tmp_path / "twice", OptimizeOptions(attention_query_chunks=4))
    # the CLI flag, the pack id and the limit
    args = tree.argparse.ArgumentParser()
    tree.add_arguments(args)
    opts = tree.options_from_args(args.parse_args(["--out", "x", "--attention-query-chunks", "8", "--attention", "mha"]))
    assert opts.attention_query_chunks == 8 and tree.pack_id("musev", opts, False) == "musev-fp16-mha-qc8"
    assert tree.options_from_args(args.parse_args(["--out", "x"])).attention_query_chunks == 1


def test_schedule_levels_and_limits(committed_pack_dir):
    assert query_chunk_schedule(16, 4) == [16, 4, 1, 1]
    assert query_chunk_schedule(8, 4) == [8, 2, 1, 1]
    assert query_chunk_schedule(64, 4) == [64, 16, 4, 1]
    levels, resnets = 4, {0: 2, 1: 2, 2: 2, 3: 2}
    assert site_level("/unet/down_blocks.2/attentions.1/transformer_blocks.0/Softmax", levels, resnets) == 2
    assert site_level("/unet/up_blocks.1/attentions.2/transformer_blocks.0/Softmax_1", levels, resnets) == 2
    assert site_level("/unet/up_blocks.3/attentions.0/transformer_blocks.0/Softmax", levels, resnets) == 0
    assert site_level("/unet/mid_block/attentions.0/transformer_blocks.0/Softmax", levels, resnets) == 3
    assert site_level("/unet/down_blocks.1/refer_emb_attns.2/Softmax", levels, resnets) == 2
    assert site_level("/unet/down_blocks.3/refer_emb_attns.1/Softmax", levels, resnets) == 3
    assert site_level("/text_model/encoder/layers.0/self_attn/Softmax", levels, resnets) is None
    model = onnx.load(str(committed_pack_dir / "unet.onnx"), load_external_data=False)
    assert unet_levels(model) == (4, {0: 2, 1: 2, 2: 2, 3: 2})
    for bad in (1, 65):  # 4^(levels-1) = 64 keeps every chunk non-empty at the smallest latent (8x8)
        with pytest.raises(ValueError, match="query chunks must be"):
            chunk_attention_queries(model, bad)
    text = onnx.load(str(committed_pack_dir / "text_encoder.onnx"), load_external_data=False)
    with pytest.raises(ValueError, match="not a UNet graph"):
        chunk_attention_queries(text, 4)
