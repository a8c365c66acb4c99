"""State-dict layout: every key and shape equals MuseV's own lists (musev-keys), in order, and
loading consumes every key or names what is wrong."""
from __future__ import annotations

import filecmp
import json
import re

import pytest
import torch

from musev_export.common import StateDictMismatch, read_json
from musev_export.presets import KEYS_DIR, VENDORED_KEYS, config_path, keys_file
from musev_export.text_encoder import CLIPTextModel, tiny_text_config
from musev_export.unet3d import UNet3DConditionModel
from musev_export.vae import AutoencoderKL


def read_keys(name: str):
    rows = []
    for line in keys_file(f"{name}.keys.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, shape, dtype = line.split("\t")
        rows.append((key, tuple(json.loads(shape)), dtype))
    return rows


@pytest.mark.parametrize("name,cls", [("musev_unet", UNet3DConditionModel), ("vae", AutoencoderKL)])
def test_state_dict_matches_musev_keys(name, cls):
    model = cls(read_json(config_path(name)))
    mine = [(k, tuple(v.shape), str(v.dtype).replace("torch.", "")) for k, v in model.state_dict().items()]
    expected = read_keys(name)
    assert len(mine) == len(expected)
    assert set(k for k, _, _ in mine) == set(k for k, _, _ in expected)
    assert mine == expected  # same keys, shapes, dtypes and order


def test_unet_temporal_weight_count():
    model = UNet3DConditionModel(read_json(config_path("musev_unet")))
    n = sum(1 for k in model.state_dict() if k.endswith("temporal_weight"))
    header = keys_file("musev_unet.keys.txt").read_text().splitlines()[0]
    assert n == int(re.search(r"(\d+) temporal_weight", header).group(1)) == 39


@pytest.mark.skipif(not KEYS_DIR.exists(), reason="shared musev-keys folder not present")
@pytest.mark.parametrize("f", ["musev_unet.config.json", "musev_unet.keys.txt", "vae.config.json", "vae.keys.txt"])
def test_vendored_copies_equal_shared(f):
    assert filecmp.cmp(KEYS_DIR / f, VENDORED_KEYS / f, shallow=False)


def test_text_encoder_layout():
    model = CLIPTextModel(tiny_text_config(100))
    keys = list(model.state_dict())
    assert keys[:2] == ["text_model.embeddings.token_embedding.weight", "text_model.embeddings.position_embedding.weight"]
    layer = [k[len("text_model.encoder.layers.0."):] for k in keys if k.startswith("text_model.encoder.layers.0.")]
    assert layer == [
        f"{m}.{p}" for m in ("self_attn.k_proj", "self_attn.v_proj", "self_attn.q_proj", "self_attn.out_proj",
                             "layer_norm1", "mlp.fc1", "mlp.fc2", "layer_norm2") for p in ("weight", "bias")
    ]
    assert keys[-2:] == ["text_model.final_layer_norm.weight", "text_model.final_layer_norm.bias"]
    assert len(keys) == 2 + 2 * 16 + 2
    assert model.state_dict()["text_model.embeddings.position_embedding.weight"].shape == (77, 32)


def test_strict_load_round_trip_and_ignorable_position_ids():
    src = CLIPTextModel(tiny_text_config(100))
    sd = dict(src.state_dict())
    sd["text_model.embeddings.position_ids"] = torch.arange(77)[None]
    dst = CLIPTextModel(tiny_text_config(100))
    dst.load_checkpoint(sd)
    for k, v in src.state_dict().items():
        assert torch.equal(v, dst.state_dict()[k])


def test_strict_load_names_missing_unexpected_and_shape():
    vae = AutoencoderKL(read_json(config_path("vae")))
    sd = dict(vae.state_dict())
    del sd["decoder.conv_out.bias"]
    sd["encoder.mid_block.attentions.0.query.weight"] = torch.zeros(64, 64)  # old diffusers name
    sd["quant_conv.weight"] = torch.zeros(8, 8, 3, 3)
    with pytest.raises(StateDictMismatch) as e:
        vae.load_checkpoint(sd)
    msg = str(e.value)
    assert "missing keys (1): decoder.conv_out.bias" in msg
    assert "unexpected keys (1): encoder.mid_block.attentions.0.query.weight" in msg
    assert "quant_conv.weight: checkpoint (8, 8, 3, 3) vs module (8, 8, 1, 1)" in msg


def test_unet_rejects_other_families():
    cfg = read_json(config_path("musev_unet"))
    for k, v in [("use_anivv1_cfg", True), ("need_refer_emb", True), ("ip_adapter_cross_attn", True)]:
        with pytest.raises(ValueError, match=k):
            UNet3DConditionModel({**cfg, k: v})
