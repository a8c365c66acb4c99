"""Checkpoint loading for the referencenet families on a fake MuseV tree built from the tiny models:
motion/musev_referencenet{,_pose}/{unet, ip_adapter_image_proj.bin}, motion/musev_referencenet/referencenet,
IP-Adapter/models/image_encoder, in .bin and .safetensors (fp16 and fp32), with strict key accounting."""
from __future__ import annotations

import argparse
import json
import struct

import numpy as np
import pytest
import torch

from musev_export.checkpoints import (
    IGNORED, add_arguments, load_models, load_referencenet_models, pack_from_args, read_image_proj, read_safetensors,
)
from musev_export.common import StateDictMismatch
from musev_export.faceid import without_face
from musev_export.tokenizer_builder import merges_txt, vocab_json

ST_DTYPES = {torch.float32: ("F32", "<f4"), torch.float16: ("F16", "<f2"), torch.int64: ("I64", "<i8")}
REFNET_FLAGS = ("need_transformer_in", "use_anivv1_cfg", "resnet_2d_skip_time_act", "keep_vision_condtion",
                "need_refer_emb", "ip_adapter_cross_attn")


def write_safetensors(path, sd, half=False):
    """8-byte little-endian header length + JSON header + raw little-endian bytes."""
    header, blobs, offset = {}, [], 0
    for k, v in sd.items():
        if half and v.is_floating_point():
            v = v.half()
        code, np_dtype = ST_DTYPES[v.dtype]
        data = v.contiguous().numpy().astype(np_dtype).tobytes()
        header[k] = {"dtype": code, "shape": list(v.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def fp16(t):
    return t.half().float() if t.is_floating_point() else t


def _sd_tree(m, root):
    """t2i/sd1.5/x (unet spatial keys + 1, text_encoder, tokenizer, scheduler) and vae/, from tiny models."""
    sd = root / "t2i" / "sd1.5" / "x"
    for d in ("unet", "text_encoder", "tokenizer", "scheduler"):
        (sd / d).mkdir(parents=True)
    spatial = {k: v + 1.0 for k, v in m.unet.state_dict().items()
               if not any(s in k for s in ("temp_", "transformer_in", "frame_embedding", "refer_emb_attns", "_ip."))}
    torch.save(spatial, sd / "unet" / "diffusion_pytorch_model.bin")
    (sd / "text_encoder" / "config.json").write_text(json.dumps(m.text_encoder.config))
    torch.save({**m.text_encoder.state_dict(), "text_model.embeddings.position_ids": torch.arange(77)[None]},
               sd / "text_encoder" / "pytorch_model.bin")
    (sd / "tokenizer" / "vocab.json").write_bytes(vocab_json(m.vocab))
    (sd / "tokenizer" / "merges.txt").write_bytes(merges_txt(m.merges))
    (sd / "scheduler" / "scheduler_config.json").write_text(json.dumps({
        "_class_name": "PNDMScheduler", "num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012,
        "beta_schedule": "scaled_linear", "steps_offset": 1,
    }))
    vae = root / "vae" / "sd-vae-ft-mse"
    vae.mkdir(parents=True)
    (vae / "config.json").write_text(json.dumps(m.vae.config))
    write_safetensors(vae / "diffusion_pytorch_model.safetensors", m.vae.state_dict())
    return sd, vae, spatial


@pytest.fixture(scope="module")
def tree(tiny_ref, tmp_path_factory):
    m = tiny_ref
    root = tmp_path_factory.mktemp("ckpt")
    sd, vae, spatial = _sd_tree(m, root)
    # the UNet config as on HF may lack flags the loader passes (load_unet_by_name kwargs override it)
    unet_cfg = {k: v for k, v in m.unet.config.items() if k not in REFNET_FLAGS}
    for fam in ("musev_referencenet", "musev_referencenet_pose"):
        unet = root / "motion" / fam / "unet"
        unet.mkdir(parents=True)
        (unet / "config.json").write_text(json.dumps(unet_cfg))
        torch.save(without_face(m.unet.state_dict()), unet / "diffusion_pytorch_model.bin")
        torch.save({"image_proj": m.image_proj.state_dict()}, root / "motion" / fam / "ip_adapter_image_proj.bin")
    refnet = root / "motion" / "musev_referencenet" / "referencenet"
    refnet.mkdir()
    (refnet / "config.json").write_text(json.dumps(m.referencenet.config))
    extra = {"conv_out.weight": torch.zeros(4, 32, 3, 3), "up_blocks.0.resnets.0.conv1.bias": torch.zeros(64)}
    write_safetensors(refnet / "diffusion_pytorch_model.safetensors", {**m.referencenet.state_dict(), **extra}, half=True)
    enc = root / "IP-Adapter" / "models" / "image_encoder"
    enc.mkdir(parents=True)
    (enc / "config.json").write_text(json.dumps(m.clip_vision.config))
    write_safetensors(enc / "model.safetensors",
                      {**m.clip_vision.state_dict(), "vision_model.embeddings.position_ids": torch.arange(17)[None]}, half=True)
    return {"root": root, "sd": sd, "vae": vae, "spatial": spatial, "refnet": refnet, "enc": enc}


def paths(tree, family):
    r = tree["root"]
    return dict(unet_dir=r / "motion" / family / "unet", sd_dir=tree["sd"], vae_dir=tree["vae"], referencenet_dir=tree["refnet"],
                image_proj_path=r / "motion" / family / "ip_adapter_image_proj.bin", clip_vision_dir=tree["enc"])


def test_load_referencenet_family(tiny_ref, tree):
    report = {}
    models, scheduler = load_referencenet_models(**paths(tree, "musev_referencenet"), report=report)
    m = tiny_ref
    assert models.unet.arch == "musev_referencenet" and models.unet.config["use_anivv1_cfg"] is True
    for k, v in without_face(m.unet.state_dict()).items():  # SD spatial weights merged, the rest from the motion UNet
        assert torch.equal(models.unet.state_dict()[k], tree["spatial"].get(k, v)), k
    assert "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k_ip.weight" not in tree["spatial"]
    for k, v in m.referencenet.state_dict().items():  # fp16 safetensors, not merged with SD
        assert torch.equal(models.referencenet.state_dict()[k], fp16(v)), k
    for k, v in m.clip_vision.state_dict().items():
        assert torch.equal(models.clip_vision.state_dict()[k], fp16(v)), k
    for k, v in m.image_proj.state_dict().items():
        assert torch.equal(models.image_proj.state_dict()[k], v), k
    assert models.image_proj.config == {"clip_embeddings_dim": 16, "cross_attention_dim": 32, "clip_extra_context_tokens": 4}
    assert all(torch.equal(models.vae.state_dict()[k], v) for k, v in m.vae.state_dict().items())
    assert models.vocab == m.vocab and scheduler["timestep_spacing"] == "linspace"
    # strict accounting: what was skipped, and only what IGNORED allows
    assert report["referencenet"]["ignored"] == ["conv_out.weight", "up_blocks.0.resnets.0.conv1.bias"]
    assert report["clip_vision"]["ignored"] == ["vision_model.embeddings.position_ids"]
    assert report["text_encoder"]["ignored"] == ["text_model.embeddings.position_ids"]
    assert report["unet"]["ignored"] == [] and report["vae"]["ignored"] == [] and report["image_proj"]["ignored"] == []
    assert report["unet"]["loaded"] == 1623 and report["referencenet"]["loaded"] == 296
    assert set(IGNORED) == {"text_encoder", "clip_vision", "referencenet"}


def test_pose_family_and_pack_info(tiny_ref, tree, tmp_path):
    """musev_referencenet_pose: family from motion/<family>/unet, musev_referencenet's ReferenceNet;
    the CLI path (pack_from_args) names the family in the pack info; pytorch_model.bin fp32 encoder."""
    enc = tmp_path / "image_encoder"
    enc.mkdir()
    (enc / "config.json").write_text(json.dumps(tiny_ref.clip_vision.config))
    torch.save(tiny_ref.clip_vision.state_dict(), enc / "pytorch_model.bin")
    p = paths(tree, "musev_referencenet_pose")
    ap = argparse.ArgumentParser()
    add_arguments(ap)
    args = ap.parse_args([
        "--out", str(tmp_path / "pack"), "--unet", str(p["unet_dir"]), "--sd", str(p["sd_dir"]), "--vae", str(p["vae_dir"]),
        "--referencenet", str(p["referencenet_dir"]), "--image-proj", str(p["image_proj_path"]), "--image-encoder", str(enc),
    ])
    models, info, _ = pack_from_args(args)
    assert info["family"] == "musev_referencenet_pose" and models.unet.arch == "musev_referencenet"
    for k, v in tiny_ref.clip_vision.state_dict().items():
        assert torch.equal(models.clip_vision.state_dict()[k], v), k
    with pytest.raises(ValueError, match="musev_referencenet_pose UNet: use load_referencenet_models"):
        load_models(p["unet_dir"], p["sd_dir"], p["vae_dir"])


def test_strict_errors(tiny_ref, tree, tmp_path):
    m = tiny_ref
    # an unknown ReferenceNet key is an error naming it
    bad = tmp_path / "refnet"
    bad.mkdir()
    (bad / "config.json").write_text(json.dumps(m.referencenet.config))
    torch.save({**m.referencenet.state_dict(), "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k_ip.weight": torch.zeros(32, 32)},
               bad / "diffusion_pytorch_model.bin")
    with pytest.raises(StateDictMismatch, match="unexpected keys \\(1\\): down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k_ip"):
        load_referencenet_models(**{**paths(tree, "musev_referencenet"), "referencenet_dir": bad})
    # an IP-Adapter file with a k/v part (tencent ip-adapter_sd15.bin) is not MuseV's image_proj file
    f = tmp_path / "ip.bin"
    torch.save({"image_proj": m.image_proj.state_dict(), "ip_adapter": {"1.to_k_ip.weight": torch.zeros(2, 2)}}, f)
    with pytest.raises(StateDictMismatch, match="only 'image_proj'"):
        read_image_proj(f)
    # .safetensors image_proj with prefixed keys is read; sizes come from the tensors
    st = tmp_path / "ip.safetensors"
    write_safetensors(st, {f"image_proj.{k}": v for k, v in m.image_proj.state_dict().items()})
    assert torch.equal(read_image_proj(st).proj.weight, m.image_proj.proj.weight)
    # parts that do not fit together: an encoder whose projection is not the projection model's input
    enc = tmp_path / "enc"
    enc.mkdir()
    cfg = {**m.clip_vision.config, "projection_dim": 8}
    (enc / "config.json").write_text(json.dumps(cfg))
    sd = dict(m.clip_vision.state_dict())
    sd["visual_projection.weight"] = torch.zeros(8, 32)
    torch.save(sd, enc / "pytorch_model.bin")
    with pytest.raises(StateDictMismatch, match="projection_dim 8 != image_proj input 16"):
        load_referencenet_models(**{**paths(tree, "musev_referencenet"), "clip_vision_dir": enc})
    # a missing part is named
    with pytest.raises(ValueError, match="need referencenet_dir"):
        load_referencenet_models(**{**paths(tree, "musev_referencenet"), "referencenet_dir": None})


def test_safetensors_fp16_round_trip(tmp_path):
    sd = {"a": torch.randn(3, 2), "b": torch.arange(5)}
    write_safetensors(tmp_path / "x.safetensors", sd, half=True)
    back = read_safetensors(tmp_path / "x.safetensors")
    assert back["a"].dtype == torch.float16 and torch.equal(back["a"].float(), sd["a"].half().float())
    assert torch.equal(back["b"], sd["b"])
    assert np.array_equal(back["a"].numpy(), sd["a"].half().numpy())
