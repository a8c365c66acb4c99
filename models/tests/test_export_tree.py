"""The one export command end to end: `bash models/export.sh` (= `npm run export --`) on a fake
MuseV checkpoint tree built from the tiny models, laid out as MuseV's README (spec section 5),
with fp16 + 1 MiB shards + MultiHeadAttention. The written pack validates against the schema,
lists exactly its files, and its graphs run in onnxruntime-node close to the fp32 PyTorch modules."""
from __future__ import annotations

import hashlib
import json
import subprocess
import time

import numpy as np
import pytest
import torch

from conftest import REPO
from musev_export.faceid import without_face
from musev_export.schema_check import validate_manifest
from musev_export.tokenizer_builder import merges_txt, vocab_json
from onnx_runner import run_onnx

SD_MODEL = "majicmixRealv6Fp16"


def write_fake_tree(tiny, root):
    """checkpoints/ as MuseV's README lays it out, with the tiny models' weights. The SD1.5 UNet
    holds the spatial keys with the same values, so the merged UNet equals the tiny one."""
    unet_dir = root / "motion" / "musev" / "unet"
    sd = root / "t2i" / "sd1.5" / SD_MODEL
    vae_dir = root / "vae" / "sd-vae-ft-mse"
    for d in (unet_dir, sd / "unet", sd / "text_encoder", sd / "tokenizer", sd / "scheduler", vae_dir, root / "embedding"):
        d.mkdir(parents=True)
    (unet_dir / "config.json").write_text(json.dumps(tiny.unet.config))
    torch.save(tiny.unet.state_dict(), unet_dir / "diffusion_pytorch_model.bin")
    spatial = {k: v for k, v in tiny.unet.state_dict().items()
               if not any(s in k for s in ("temp_", "transformer_in", "frame_embedding"))}
    torch.save(spatial, sd / "unet" / "diffusion_pytorch_model.bin")
    (sd / "text_encoder" / "config.json").write_text(json.dumps(tiny.text_encoder.config))
    torch.save(tiny.text_encoder.state_dict(), sd / "text_encoder" / "pytorch_model.bin")
    (sd / "tokenizer" / "vocab.json").write_bytes(vocab_json(tiny.vocab))
    (sd / "tokenizer" / "merges.txt").write_bytes(merges_txt(tiny.merges))
    (sd / "scheduler" / "scheduler_config.json").write_text(json.dumps({
        "_class_name": "PNDMScheduler", "num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012,
        "beta_schedule": "scaled_linear", "steps_offset": 1, "skip_prk_steps": True, "set_alpha_to_one": False,
    }))
    (vae_dir / "config.json").write_text(json.dumps(tiny.vae.config))
    torch.save(tiny.vae.state_dict(), vae_dir / "diffusion_pytorch_model.bin")
    dim = tiny.text_encoder.config["hidden_size"]  # one A1111 textual-inversion file (token badhandv4)
    torch.save({"string_to_param": {"*": torch.randn(2, dim, generator=torch.Generator().manual_seed(3))},
                "string_to_token": {"*": 265}, "name": "badhandv4"}, root / "embedding" / "badhandv4.pt")
    return root


def add_referencenet_parts(ref, root):
    """motion/musev_referencenet{,_pose}/, IP-Adapter/models/image_encoder/ from the tiny
    musev_referencenet models (the pose family gets the same UNet and projection)."""
    for family in ("musev_referencenet", "musev_referencenet_pose"):
        unet_dir = root / "motion" / family / "unet"
        unet_dir.mkdir(parents=True)
        (unet_dir / "config.json").write_text(json.dumps(ref.unet.config))
        torch.save(without_face(ref.unet.state_dict()), unet_dir / "diffusion_pytorch_model.bin")
        torch.save({"image_proj": ref.image_proj.state_dict()}, root / "motion" / family / "ip_adapter_image_proj.bin")
    refnet = root / "motion" / "musev_referencenet" / "referencenet"
    refnet.mkdir()
    (refnet / "config.json").write_text(json.dumps(ref.referencenet.config))
    torch.save(ref.referencenet.state_dict(), refnet / "diffusion_pytorch_model.bin")
    enc = root / "IP-Adapter" / "models" / "image_encoder"
    enc.mkdir(parents=True)
    (enc / "config.json").write_text(json.dumps(ref.clip_vision.config))
    torch.save(ref.clip_vision.state_dict(), enc / "pytorch_model.bin")


DIMS = {"batch": 1, "frames": 2, "latent_height": 8, "latent_width": 8, "height": 32, "width": 32, "seq": 7,
        "ip_seq": 4, "ref_height": 8, "ref_width": 8, "face_seq": 4}


def feeds_for(spec, seed=0):
    """Inputs for a manifest GraphSpec: symbolic dims from DIMS ('ref_height/2' divides)."""
    rng = np.random.default_rng(seed)
    feeds = {}
    for t in spec["inputs"]:
        shape = []
        for d in t["shape"]:
            if isinstance(d, int):
                shape.append(d)
            elif "/" in d:
                name, k = d.split("/")
                shape.append(DIMS[name] // int(k))
            else:
                shape.append(DIMS[d])
        if t["name"] == "frame_index":
            feeds[t["name"]] = np.arange(shape[0], dtype=np.int64)
        elif t["dtype"] == "int64":
            feeds[t["name"]] = rng.integers(0, 100, size=shape, dtype=np.int64)
        elif t["name"] == "timestep":
            feeds[t["name"]] = np.full(shape, 500.0, dtype=np.float32)
        elif t["name"] == "ip_scale":
            feeds[t["name"]] = np.full(shape, 0.5, dtype=np.float32)
        else:
            feeds[t["name"]] = rng.standard_normal(shape).astype(np.float32)
    return feeds


def check_pack_files(pack):
    manifest = json.loads((pack / "manifest.json").read_text())
    assert validate_manifest(manifest) == []
    listed = {"manifest.json", manifest["tokenizer"]["vocab"]["file"], manifest["tokenizer"]["merges"]["file"]}
    for g in manifest["graphs"].values():
        for r in [g] + g["externalData"]:
            data = (pack / r["file"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == r["sha256"] and len(data) == r["bytes"]
            listed.add(r["file"])
    assert {str(p.relative_to(pack)) for p in pack.rglob("*") if p.is_file()} == listed
    return manifest


def run_every_graph(pack, manifest):
    for name, spec in manifest["graphs"].items():
        outs = run_onnx(pack / spec["file"], feeds_for(spec))
        assert [o["name"] for o in spec["outputs"]] == list(outs), name
        for o in outs.values():
            assert o.dtype == np.float32 and np.isfinite(o).all() and np.abs(o).max() > 0, name


def export(*args, timeout=900):
    started = time.time()
    proc = subprocess.run(["bash", str(REPO / "models" / "export.sh"), *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)
    return proc, time.time() - started


@pytest.fixture(scope="module")
def tree(tiny, tmp_path_factory):
    return write_fake_tree(tiny, tmp_path_factory.mktemp("ckpt") / "checkpoints")


def test_help_lists_every_option():
    proc, _ = export("--help")
    assert proc.returncode == 0, proc.stderr
    for opt in ("--checkpoints", "--out", "--family", "--dtype", "--quantize", "--attention", "--shard-mb",
                "--sd-model", "--tiny", "--max-session-mb", "--faceid"):
        assert opt in proc.stdout, opt
    for value in ("musev_referencenet_pose", "all", "fp16", "int8", "mha"):
        assert value in proc.stdout


def test_export_tree_fp16_shards_mha(tiny, tree, tmp_path):
    out = tmp_path / "packs"
    proc, seconds = export("--checkpoints", tree, "--out", out, "--family", "musev", "--dtype", "fp16",
                           "--attention", "mha", "--shard-mb", "1")
    print(proc.stdout)
    print(f"export of the tiny tree (musev, fp16 + mha + 1 MiB shards): {seconds:.1f} s")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "textual-inversion tokens" in proc.stdout and "badhandv4.pt" in proc.stdout  # embedding/ is baked in
    pack = out / "musev-fp16-mha"
    manifest = check_pack_files(pack)
    assert manifest["id"] == "musev-fp16-mha" and manifest["dtype"] == "float16" and manifest["family"] == "musev"
    assert manifest["randomWeights"] is False and manifest["scheduler"]["timestep_spacing"] == "linspace"
    assert manifest["tokenizer"]["addedTokens"] == [{"token": "badhandv4", "id": tiny.text_encoder.config["vocab_size"]}]
    assert len(manifest["graphs"]["unet"]["externalData"]) > 1
    run_every_graph(pack, manifest)
    assert [p.name for p in out.iterdir()] == ["musev-fp16-mha"]  # no scratch folder left behind

    # the graphs run in onnxruntime-node and follow the fp32 PyTorch models
    g = torch.Generator().manual_seed(7)
    sample = torch.randn(2, 4, 3, 16, 8, generator=g)
    timestep = torch.tensor([500.0])
    context = torch.randn(2, 77, tiny.unet.config["cross_attention_dim"], generator=g)
    frame_index = torch.arange(3, dtype=torch.int64)
    ids = torch.randint(0, tiny.text_encoder.config["vocab_size"], (2, 77), generator=g)
    latent = torch.randn(1, 4, 8, 8, generator=g)
    with torch.no_grad():
        refs = {
            "unet": tiny.unet(sample, timestep, context, frame_index).numpy(),
            "text_encoder": tiny.text_encoder(ids).numpy(),
            "vae_decoder": tiny.vae.decode(latent).numpy(),
        }
    feeds = {
        "unet": {"sample": sample.numpy(), "timestep": timestep.numpy(), "encoder_hidden_states": context.numpy(),
                 "frame_index": frame_index.numpy()},
        "text_encoder": {"input_ids": ids.numpy()},
        "vae_decoder": {"latent": latent.numpy()},
    }
    for name, ref in refs.items():
        got = next(iter(run_onnx(pack / f"{name}.onnx", feeds[name]).values()))
        rel = float(np.abs(got - ref).max() / np.abs(ref).max())
        print(f"{name}: fp16 + mha pack vs fp32 PyTorch, max abs diff / max |ref| = {rel:.3g}")
        assert rel <= 1e-2, name


def test_missing_tree_parts_are_named(tmp_path):
    proc, _ = export("--checkpoints", tmp_path, "--out", tmp_path / "out")
    assert proc.returncode != 0
    assert "motion/musev/unet" in proc.stdout and "t2i/sd1.5/majicmixRealv6Fp16" in proc.stdout


def test_referencenet_pose_family(tree, tmp_path):
    """musev_referencenet_pose reads its own UNet and projection and musev_referencenet's
    ReferenceNet and the IP-Adapter image encoder; fp16 + int8 + mha + 1 MiB shards; every graph
    of the pack runs. (Until checkpoints.py has the referencenet loaders, `tree` says 'not
    supported yet' for these families.)"""
    from musev_export import checkpoints, presets

    if not hasattr(checkpoints, "load_referencenet_models"):
        proc, _ = export("--checkpoints", tree, "--out", tmp_path / "out", "--family", "musev_referencenet")
        assert proc.returncode == 1 and "not supported yet" in proc.stdout
        return
    add_referencenet_parts(presets.tiny_models("musev_referencenet"), tree)
    out = tmp_path / "packs"
    proc, seconds = export("--checkpoints", tree, "--out", out, "--family", "musev_referencenet_pose", "--dtype", "fp16",
                           "--quantize", "int8", "--attention", "mha", "--shard-mb", "1")
    print(proc.stdout)
    print(f"export of the tiny tree (musev_referencenet_pose, fp16 + int8 + mha + 1 MiB shards): {seconds:.1f} s")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pack = out / "musev-referencenet-pose-fp16-int8-mha"
    manifest = check_pack_files(pack)
    assert manifest["family"] == "musev_referencenet_pose" and manifest["dtype"] == "float16"
    assert {"referencenet", "image_proj", "clip_vision"} <= set(manifest["graphs"])
    run_every_graph(pack, manifest)
