"""Real-checkpoint path on a fake HF tree built from the tiny models: .bin and .safetensors
readers, MuseV's update_unet_with_sd merge, strict loading, scheduler_config mapping."""
from __future__ import annotations

import json
import struct

import pytest
import torch

from musev_export.checkpoints import load_models, merge_sd_unet, read_safetensors, scheduler_from_config
from musev_export.common import StateDictMismatch
from musev_export.tokenizer_builder import merges_txt, vocab_json


def write_safetensors(path, sd):
    header, blobs, offset = {}, [], 0
    for k, v in sd.items():
        data = v.contiguous().numpy().astype("<f4").tobytes()
        header[k] = {"dtype": "F32", "shape": list(v.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def test_safetensors_reader(tmp_path):
    sd = {"a": torch.randn(2, 3), "b.c": torch.arange(4.0)}
    write_safetensors(tmp_path / "x.safetensors", sd)
    back = read_safetensors(tmp_path / "x.safetensors")
    assert set(back) == set(sd) and all(torch.equal(back[k], sd[k]) for k in sd)


def test_merge_rejects_unknown_sd_keys():
    with pytest.raises(StateDictMismatch, match="unknown"):
        merge_sd_unet({"a": torch.zeros(1)}, {"b": torch.zeros(1)})


def test_load_models_from_fake_tree(tiny, tmp_path):
    unet_dir, sd_dir, vae_dir = tmp_path / "motion" / "unet", tmp_path / "sd", tmp_path / "vae"
    for d in (unet_dir, sd_dir / "unet", sd_dir / "text_encoder", sd_dir / "tokenizer", sd_dir / "scheduler", vae_dir):
        d.mkdir(parents=True)
    (unet_dir / "config.json").write_text(json.dumps(tiny.unet.config))
    torch.save(tiny.unet.state_dict(), unet_dir / "diffusion_pytorch_model.bin")
    # SD base UNet: spatial keys only (no temporal / frame / transformer_in), different values
    spatial = {k: v + 1.0 for k, v in tiny.unet.state_dict().items()
               if not any(s in k for s in ("temp_", "transformer_in", "frame_embedding"))}
    write_safetensors(sd_dir / "unet" / "diffusion_pytorch_model.safetensors", spatial)
    te_sd = dict(tiny.text_encoder.state_dict())
    te_sd["text_model.embeddings.position_ids"] = torch.arange(77)[None]
    (sd_dir / "text_encoder" / "config.json").write_text(json.dumps(tiny.text_encoder.config))
    torch.save(te_sd, sd_dir / "text_encoder" / "pytorch_model.bin")
    (sd_dir / "tokenizer" / "vocab.json").write_bytes(vocab_json(tiny.vocab))
    (sd_dir / "tokenizer" / "merges.txt").write_bytes(merges_txt(tiny.merges))
    (sd_dir / "scheduler" / "scheduler_config.json").write_text(json.dumps({
        "_class_name": "PNDMScheduler", "num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012,
        "beta_schedule": "scaled_linear", "steps_offset": 1, "skip_prk_steps": True, "set_alpha_to_one": False,
    }))
    (vae_dir / "config.json").write_text(json.dumps(tiny.vae.config))
    write_safetensors(vae_dir / "diffusion_pytorch_model.safetensors", tiny.vae.state_dict())

    models, scheduler = load_models(unet_dir, sd_dir, vae_dir)
    got = models.unet.state_dict()
    for k, v in tiny.unet.state_dict().items():
        assert torch.equal(got[k], spatial[k] if k in spatial else v), k
    assert "down_blocks.0.temp_convs.0.temporal_weight" not in spatial
    assert all(torch.equal(models.vae.state_dict()[k], v) for k, v in tiny.vae.state_dict().items())
    assert all(torch.equal(models.text_encoder.state_dict()[k], v) for k, v in tiny.text_encoder.state_dict().items())
    assert models.vocab == tiny.vocab and models.merges == [tuple(m) for m in tiny.merges]
    assert scheduler["_class_name"] == "EulerDiscreteScheduler" and scheduler["timestep_spacing"] == "linspace"
    assert scheduler["steps_offset"] == 1 and scheduler["use_karras_sigmas"] is False

    unmerged, _ = load_models(unet_dir, sd_dir, vae_dir, merge_sd_unet_weights=False)
    assert all(torch.equal(unmerged.unet.state_dict()[k], v) for k, v in tiny.unet.state_dict().items())


def test_scheduler_rejects_v_prediction():
    with pytest.raises(ValueError):
        scheduler_from_config({"prediction_type": "v_prediction"})
