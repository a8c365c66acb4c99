"""IP-Adapter FaceID: the faceid bin's key accounting (MuseV's site order, LoRA keys ignored and
listed, anything else named), face_proj and the UNet's face branch against PyTorch through
onnxruntime-node, face_scale 0 = the graph without the branch, the renamed insightface graphs =
the shipped ones (stand-ins with their I/O), the manifest fields, and `export --faceid` on a fake tree."""
from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
import torch
from onnx import helper

from musev_export.common import StateDictMismatch, read_json
from musev_export.export import export_graph, unet_export
from musev_export.faceid import face_attn2_sites, load_faceid_file
from musev_export.insightface import FaceGraphError, rename_detector, rename_embedder
from musev_export.insightface_standin import standin_detector, standin_embedder, tiny_faceid_file, write_standins
from musev_export.presets import config_path
from musev_export.schema_check import validate_manifest
from musev_export.unet3d import UNet3DConditionModel
from onnx_runner import run_onnx
from test_export_tree import check_pack_files, export, run_every_graph, write_fake_tree
from test_referencenet import _check, feeds, unet_inputs

# MuseV's unet_keys_list (musev/models/ip_adapter_face_loader.py), zipped with "1", "3", ..., "31"
MUSEV_SITES = (
    [f"down_blocks.{b}.attentions.{a}" for b in range(3) for a in range(2)]
    + [f"up_blocks.{b}.attentions.{a}" for b in (1, 2, 3) for a in range(3)]
    + ["mid_block.attentions.0"]
)
G = lambda s: torch.Generator().manual_seed(s)  # noqa: E731


def fresh_unet(config="musev_referencenet_unet"):
    return UNet3DConditionModel(read_json(config_path(config))).eval()


def face_tokens(b, n, seed):
    return torch.randn(b, n, 32, generator=G(seed))


@pytest.mark.parametrize("config", ["musev_unet", "musev_referencenet_unet"])
def test_sites_and_keys_follow_musev(config):
    unet = fresh_unet(config)
    names = [n for n, _ in face_attn2_sites(unet)]
    assert names == [f"{s}.transformer_blocks.0.attn2" for s in MUSEV_SITES]
    obj = tiny_faceid_file(unet)
    proj, ignored = load_faceid_file(obj, unet)
    lora = sorted(k for k in obj["ip_adapter"] if "_lora." in k)
    assert ignored == [f"ip_adapter.{k}" for k in lora] and len(ignored) == 32 * 8  # q/k/v/out x down/up x 32
    sd = unet.state_dict()
    for i, name in enumerate(names):
        for kv in ("k", "v"):
            got = sd[f"{name}.ip_adapter_face_to_{kv}_ip.weight"]
            assert torch.equal(got, obj["ip_adapter"][f"{2 * i + 1}.to_{kv}_ip.weight"].float())
    keys = list(sd)  # registered after to_k_ip / to_v_ip (referencenet) or to_out (musev), as MuseV's IPAttention
    before = "to_v_ip.weight" if config != "musev_unet" else "to_out.0.bias"
    assert keys.index(f"{names[0]}.ip_adapter_face_to_k_ip.weight") == keys.index(f"{names[0]}.{before}") + 1
    assert proj.config == {"id_embeddings_dim": 512, "hidden_dim": 64, "cross_attention_dim": 32, "num_tokens": 4}


def _drop(key):
    return lambda o: o["ip_adapter"].pop(key)


@pytest.mark.parametrize("edit,needle", [
    (_drop("31.to_v_ip.weight"), "missing keys (1): 31.to_v_ip.weight"),
    (lambda o: o["ip_adapter"].update({"1.to_k_ip.bias": torch.zeros(32)}), "unexpected keys (1): 1.to_k_ip.bias"),
    (lambda o: o["ip_adapter"].update({"33.to_k_ip.weight": torch.zeros(32, 32)}), "unexpected keys (1): 33.to_k_ip.weight"),
    (lambda o: o["ip_adapter"].update({"1.to_k_ip.weight": torch.zeros(64, 32)}),
     "1.to_k_ip.weight -> down_blocks.0.attentions.0.transformer_blocks.0.attn2.ip_adapter_face_to_k_ip.weight"),
    (lambda o: o.update(extra={}), "expected keys ['image_proj', 'ip_adapter']"),
    (lambda o: o["image_proj"].pop("norm.bias"), "missing ['norm.bias']"),
    (lambda o: o["image_proj"].update({"proj.1.weight": torch.zeros(1)}), "unexpected ['proj.1.weight']"),
])
def test_key_accounting_names_what_is_wrong(edit, needle):
    unet = fresh_unet()
    obj = tiny_faceid_file(unet)
    edit(obj)
    with pytest.raises(StateDictMismatch) as e:
        load_faceid_file(obj, unet)
    assert needle in str(e.value), str(e.value)


def test_face_width_must_match_the_unet():
    obj = tiny_faceid_file(fresh_unet())
    unet = UNet3DConditionModel({**read_json(config_path("musev_referencenet_unet")), "cross_attention_dim": 16}).eval()
    with pytest.raises(StateDictMismatch, match="cross_attention_dim is 16"):
        load_faceid_file(obj, unet)


def test_face_proj_parity(tiny_ref, tiny_ref_pack):
    pack, _ = tiny_ref_pack
    e = torch.nn.functional.normalize(torch.randn(2, 512, generator=G(21)), dim=-1)
    with torch.no_grad():
        ref = tiny_ref.face.proj(e)
    out = run_onnx(pack / "face_proj.onnx", {"id_embeds": e.numpy()})["face_tokens"]
    assert out.shape == (2, 4, 32)
    diff = float(np.abs(out - ref.numpy()).max())
    print(f"face_proj b2: max abs diff {diff:.3g}")
    assert diff <= 1e-5


@pytest.mark.parametrize("graph,t", [("unet", 3), ("unet_spatial", 1)])
def test_unet_face_branch_parity(tiny_ref, tiny_ref_pack, graph, t):
    pack, _ = tiny_ref_pack
    x = unet_inputs(tiny_ref.unet, 2, t, 16, 8, 9, 4, 0.7, 16, 8, seed=22)
    F, s = face_tokens(2, 8, 23), torch.tensor([0.8])  # two faces' tokens
    kw = dict(skip_temporal=graph == "unet_spatial")
    with torch.no_grad():
        ref = tiny_ref.unet(*x[:6], x[6][:-1], x[6][-1], face_tokens=F, face_scale=s, **kw)
        off = tiny_ref.unet(*x[:6], x[6][:-1], x[6][-1], **kw)
    assert float((ref - off).abs().mean()) > 1e-2  # the face branch acts
    out = run_onnx(pack / f"{graph}.onnx", {**feeds(*x), "face_tokens": F.numpy(), "face_scale": s.numpy()})["noise_pred"]
    _check(f"ref {graph} with face b2 t{t} face_seq 8", ref, out)


def test_musev_family_face_scale_zero_equals_the_graph_without_it(tiny, tiny_pack, tmp_path):
    """Any family: the musev UNet + face branch; face_scale 0 gives the no-face graph's output."""
    import copy

    unet = copy.deepcopy(tiny.unet)
    load_faceid_file(tiny_faceid_file(unet), unet)
    export_graph(unet_export(unet), tmp_path)
    g = G(24)
    sample, context = torch.randn(2, 4, 3, 8, 16, generator=g), torch.randn(2, 7, 32, generator=g)
    base = {"sample": sample.numpy(), "timestep": np.array([640.0], np.float32), "encoder_hidden_states": context.numpy(),
            "frame_index": np.arange(3, dtype=np.int64)}
    F = face_tokens(2, 4, 25)
    plain = run_onnx(tiny_pack[0] / "unet.onnx", base)["noise_pred"]
    zero = run_onnx(tmp_path / "unet.onnx", {**base, "face_tokens": F.numpy(), "face_scale": np.zeros(1, np.float32)})["noise_pred"]
    diff = float(np.abs(zero - plain).max())
    print(f"musev unet, face_scale 0 vs the graph without face inputs: max abs diff {diff:.3g}")
    assert diff <= 1e-6
    on = run_onnx(tmp_path / "unet.onnx", {**base, "face_tokens": F.numpy(), "face_scale": np.ones(1, np.float32)})["noise_pred"]
    with torch.no_grad():
        ref = unet(sample, torch.tensor([640.0]), context, torch.arange(3), face_tokens=F, face_scale=torch.ones(1))
    _check("musev unet with face", ref, on)
    assert float(np.abs(on - plain).mean()) > 1e-2


def _image(seed=None):
    if seed is None:  # a plain grey picture, (200 - 127.5) / 128
        return np.full((1, 3, 640, 640), (200 - 127.5) / 128, np.float32)
    return np.random.default_rng(seed).uniform(-1, 1, (1, 3, 640, 640)).astype(np.float32)


def test_renamed_insightface_graphs_equal_the_shipped_ones(tiny_ref_pack, tmp_path):
    pack, _ = tiny_ref_pack
    onnx.save_model(standin_detector(), str(tmp_path / "det_10g.onnx"))
    onnx.save_model(standin_embedder(), str(tmp_path / "w600k_r50.onnx"))
    order = ["448", "471", "494", "451", "474", "497", "454", "477", "500"]
    names = [f"{k}_{s}" for k in ("score", "bbox", "kps") for s in (8, 16, 32)]
    for img in (_image(), _image(26)):
        a = run_onnx(tmp_path / "det_10g.onnx", {"input.1": img})
        b = run_onnx(pack / "face_detector.onnx", {"image": img})
        assert list(b) == names
        for old, new in zip(order, names):
            assert np.array_equal(a[old], b[new]), new
    assert float(run_onnx(pack / "face_detector.onnx", {"image": _image()})["score_32"].max()) > 0.5  # a face
    face = np.random.default_rng(27).uniform(-1, 1, (1, 3, 112, 112)).astype(np.float32)
    a = run_onnx(tmp_path / "w600k_r50.onnx", {"input.1": face})["683"]
    b = run_onnx(pack / "face_embedder.onnx", {"face": face})["embedding"]
    assert b.shape == (1, 512) and np.array_equal(a, b)


def _batched_shuffled_detector():
    """The stand-in with [1, N, k] outputs (a batch dim, as some SCRFD exports have) in another order."""
    m = standin_detector()
    g = m.graph
    outs = list(g.output)
    for v in outs:
        for n in g.node:
            n.output[:] = [f"{v.name}_2d" if o == v.name else o for o in n.output]
        g.node.append(helper.make_node("Unsqueeze", [f"{v.name}_2d"], [v.name], axes=[0]))
        dims = [d.dim_value for d in v.type.tensor_type.shape.dim]
        v.CopyFrom(helper.make_tensor_value_info(v.name, onnx.TensorProto.FLOAT, [1] + dims))
    del g.output[:]
    g.output.extend(reversed(outs))
    return m


def test_rename_maps_by_shape_and_squeezes_a_batch_dim(tmp_path):
    m = _batched_shuffled_detector()
    onnx.save_model(m, str(tmp_path / "batched.onnx"))
    onnx.save_model(rename_detector(m), str(tmp_path / "renamed.onnx"))
    img = _image(28)
    a = run_onnx(tmp_path / "batched.onnx", {"input.1": img})
    b = run_onnx(tmp_path / "renamed.onnx", {"image": img})
    assert a["494"].shape == (1, 800, 1) and b["score_32"].shape == (800, 1)
    assert np.array_equal(a["494"][0], b["score_32"]) and np.array_equal(a["451"][0], b["bbox_8"])
    assert np.array_equal(a["500"][0], b["kps_32"])


def test_rename_refuses_what_it_cannot_map():
    m = standin_detector()
    m.graph.output.pop()
    with pytest.raises(FaceGraphError, match="expected 9 SCRFD outputs"):
        rename_detector(m)
    m = standin_detector()
    m.graph.output[0].type.tensor_type.shape.dim[0].dim_value = 999
    with pytest.raises(FaceGraphError, match="not score of stride 8"):
        rename_detector(m)
    e = standin_embedder()
    e.graph.output[0].type.tensor_type.shape.dim[1].dim_value = 128
    with pytest.raises(FaceGraphError, match="face_embedder"):
        rename_embedder(e)


def test_manifest_face_entries(tiny_ref_pack):
    _, m = tiny_ref_pack
    assert validate_manifest(m) == []
    assert m["unet"]["ipAdapterFace"] == {"tokens": 4, "idEmbeddingDim": 512}
    assert m["faceAnalysis"] == {"detectorSize": 640, "scoreThreshold": 0.5, "nmsThreshold": 0.4, "strides": [8, 16, 32],
                                 "anchorsPerCell": 2, "alignSize": 112}
    io = lambda g: ([(t["name"], t["shape"]) for t in m["graphs"][g]["inputs"]],  # noqa: E731
                    [(t["name"], t["shape"]) for t in m["graphs"][g]["outputs"]])
    assert io("face_detector") == ([("image", [1, 3, 640, 640])], [(f"{k}_{s}", [(640 // s) ** 2 * 2, n])
                                   for k, n in (("score", 1), ("bbox", 4), ("kps", 10)) for s in (8, 16, 32)])
    assert io("face_embedder") == ([("face", [1, 3, 112, 112])], [("embedding", [1, 512])])
    assert io("face_proj") == ([("id_embeds", ["batch", 512])], [("face_tokens", ["batch", 4, 32])])
    for g in ("face_detector", "face_embedder", "face_proj"):
        assert [r["file"] for r in m["graphs"][g]["externalData"]] == [f"{g}.onnx.data"]
    for edit, needle in [
        (lambda m: m["faceAnalysis"].pop("alignSize"), "$.faceAnalysis: missing required property 'alignSize'"),
        (lambda m: m["unet"]["ipAdapterFace"].update(extra=1), "$.unet.ipAdapterFace: unexpected property 'extra'"),
    ]:
        bad = json.loads(json.dumps(m))
        edit(bad)
        errors = validate_manifest(bad)
        assert any(needle in e for e in errors), errors


def test_export_tree_faceid(tiny, tmp_path):
    """`npm run export -- --faceid`: the missing FaceID parts are named; then a musev fp16 pack with
    face graphs (insightface's kept as shipped: fp32, no Cast) whose every graph runs."""
    root = write_fake_tree(tiny, tmp_path / "checkpoints")
    proc, _ = export("--checkpoints", root, "--out", tmp_path / "none", "--family", "musev", "--faceid")
    assert proc.returncode == 1 and "ip-adapter-faceid_sd15.bin" in proc.stdout and "buffalo_l" in proc.stdout
    (root / "IP-Adapter" / "models").mkdir(parents=True)
    torch.save(tiny_faceid_file(tiny.unet), root / "IP-Adapter" / "models" / "ip-adapter-faceid_sd15.bin")
    write_standins(root / "insightface" / "models" / "buffalo_l")
    out = tmp_path / "packs"
    proc, seconds = export("--checkpoints", root, "--out", out, "--family", "musev", "--faceid", "--shard-mb", "1")
    print(proc.stdout)
    print(f"export --faceid of the tiny tree (musev, fp16, 1 MiB shards): {seconds:.1f} s")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "256 LoRA keys ignored" in proc.stdout
    pack = out / "musev-fp16"
    manifest = check_pack_files(pack)
    assert {"face_detector", "face_embedder", "face_proj"} <= set(manifest["graphs"]) and "faceAnalysis" in manifest
    assert [t["name"] for t in manifest["graphs"]["unet"]["inputs"]][-2:] == ["face_tokens", "face_scale"]
    for g in ("face_detector", "face_embedder"):
        ops = {n.op_type for n in onnx.load(str(pack / f"{g}.onnx"), load_external_data=False).graph.node}
        assert "Cast" not in ops, g
    assert "Cast" in {n.op_type for n in onnx.load(str(pack / "face_proj.onnx"), load_external_data=False).graph.node}
    run_every_graph(pack, manifest)


def test_reference_pipeline_face_tokens():
    """reference/pipeline.py: face tokens [face_proj(0) ; face_proj(e)] in every UNet call; scale 0 =
    the run without a face (bit-identical), scale 1 moves the latents."""
    from musev_export.presets import SD15_EULER, tiny_models
    from reference.golden import BASE, ids, picture
    from reference.pipeline import Nets, face_conditioning, image_tensor, run

    m = tiny_models("musev", faceid=True)
    nets = Nets(m.text_encoder, m.vae, m.unet, face_proj=m.face.proj)
    e = torch.nn.functional.normalize(torch.randn(1, 512, generator=G(29)), dim=-1)
    with torch.no_grad():
        E = m.text_encoder(torch.tensor([ids([320, 321]), ids([400, 401])]))
        f = face_conditioning(nets, e, 2, 0.5)
        assert torch.equal(f.tokens[0], m.face.proj(torch.zeros(1, 512))[0]) and torch.equal(f.tokens[1], m.face.proj(e)[0])
    req = {**BASE, "seed": 6, "frames": 3, "contextFrames": 4, "contextOverlap": 0, "steps": 2, "guidanceScale": 3.5,
           "scheduler": SD15_EULER}
    rgb = picture(1)
    img = {"tensor": image_tensor(rgb), "u8": rgb}
    plain = run(nets, req, E, image=img).latents
    off = run(nets, {**req, "ipAdapterFaceScale": 0.0}, E, image=img, face_embed=e).latents
    on = run(nets, req, E, image=img, face_embed=e).latents
    assert torch.equal(plain, off)
    assert float((on - plain).abs().mean()) > 1e-3
