"""State-dict layout: every key and shape equals MuseV's own lists (musev-keys), in order, and
loading consumes every key or names what is wrong."""
from __future__ import annotations

import filecmp
import json
import re

import pytest
import torch

from musev_export.clip_vision import CLIPVisionModelWithProjection, tiny_vision_config
from musev_export.common import StateDictMismatch, read_json
from musev_export.image_proj import ImageProjModel, config_from_state_dict
from musev_export.presets import KEYS_DIR, VENDORED_KEYS, config_path, keys_file
from musev_export.referencenet import ReferenceNet2D
from musev_export.text_encoder import CLIPTextModel, tiny_text_config
from musev_export.unet3d import UNet3DConditionModel
from musev_export.unet3d.model import check_unet_config, with_loader_overrides
from musev_export.vae import AutoencoderKL


def read_keys(name: str):
    rows = []
    for line in keys_file(f"{name}.keys.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, shape, dtype = line.split("\t")
        rows.append((key, tuple(json.loads(shape)), dtype))
    return rows


def _proj_model(cfg):
    return ImageProjModel({k: v for k, v in cfg.items() if not k.startswith("_")})


@pytest.mark.parametrize(
    "name,cls,prefix",
    [
        ("musev_unet", UNet3DConditionModel, ""),
        ("vae", AutoencoderKL, ""),
        ("musev_referencenet_unet", UNet3DConditionModel, ""),
        ("musev_referencenet_referencenet", ReferenceNet2D, ""),
        ("ip_adapter_image_proj", _proj_model, "image_proj."),  # the .bin nests it under 'image_proj'
    ],
)
def test_state_dict_matches_musev_keys(name, cls, prefix):
    model = cls(read_json(config_path(name)))
    mine = [(prefix + k, tuple(v.shape), str(v.dtype).replace("torch.", "")) for k, v in model.state_dict().items()]
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
@pytest.mark.parametrize("f", [
    f"{n}.{ext}" for n in ("musev_unet", "vae", "musev_referencenet_unet", "musev_referencenet_referencenet", "ip_adapter_image_proj")
    for ext in ("config.json", "keys.txt")
])
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


def test_unet_family_detection_and_mixed_flags():
    musev = read_json(config_path("musev_unet"))
    ref = read_json(config_path("musev_referencenet_unet"))
    assert check_unet_config(musev) == "musev" and check_unet_config(ref) == "musev_referencenet"
    # a flag of the other family alone is neither architecture
    for k, v in [("use_anivv1_cfg", True), ("need_refer_emb", True), ("ip_adapter_cross_attn", True)]:
        with pytest.raises(ValueError, match=k):
            UNet3DConditionModel({**musev, k: v})
    for k, v in [("keep_vision_condtion", False), ("need_transformer_in", True), ("resnet_2d_skip_time_act", False)]:
        with pytest.raises(ValueError, match=k):
            UNet3DConditionModel({**ref, k: v})
    for k, v in [("need_t2i_ip_adapter_face", True), ("temporal_conv_block", "Conv3D")]:
        with pytest.raises(ValueError, match=k):
            UNet3DConditionModel({**ref, k: v})
    # MuseV's loader kwargs decide: a config without the referencenet flags becomes that family's model
    bare = {k: v for k, v in ref.items() if k not in ("need_refer_emb", "ip_adapter_cross_attn", "use_anivv1_cfg",
                                                       "keep_vision_condtion", "resnet_2d_skip_time_act", "need_transformer_in")}
    assert check_unet_config(bare) == "musev"  # constructor defaults
    for fam in ("musev_referencenet", "musev_referencenet_pose"):
        assert check_unet_config(with_loader_overrides(bare, fam)) == "musev_referencenet"


def test_referencenet_rejects_unsupported_configs():
    cfg = read_json(config_path("musev_referencenet_referencenet"))
    for k, v in [("use_linear_projection", True), ("need_self_attn_block_embs", True), ("class_embed_type", "timestep")]:
        with pytest.raises(ValueError, match=k):
            ReferenceNet2D({**cfg, k: v})


def test_image_proj_sizes_from_tensors():
    cfg = {k: v for k, v in read_json(config_path("ip_adapter_image_proj")).items() if not k.startswith("_")}
    assert config_from_state_dict(ImageProjModel(cfg).state_dict()) == cfg
    with pytest.raises(StateDictMismatch):
        config_from_state_dict({"proj.weight": torch.zeros(10, 4), "norm.weight": torch.zeros(3)})


def test_clip_vision_layout():
    """transformers CLIPVisionModelWithProjection names (pre_layrnorm sic), module order."""
    model = CLIPVisionModelWithProjection(tiny_vision_config(16))
    sd = model.state_dict()
    keys = list(sd)
    assert keys[:3] == [
        "vision_model.embeddings.class_embedding",
        "vision_model.embeddings.patch_embedding.weight",
        "vision_model.embeddings.position_embedding.weight",
    ]
    assert keys[3:5] == ["vision_model.pre_layrnorm.weight", "vision_model.pre_layrnorm.bias"]
    layer = [k[len("vision_model.encoder.layers.1."):] for k in keys if k.startswith("vision_model.encoder.layers.1.")]
    assert layer == [
        f"{m}.{p}" for m in ("self_attn.k_proj", "self_attn.v_proj", "self_attn.q_proj", "self_attn.out_proj",
                             "layer_norm1", "mlp.fc1", "mlp.fc2", "layer_norm2") for p in ("weight", "bias")
    ]
    assert keys[-3:] == ["vision_model.post_layernorm.weight", "vision_model.post_layernorm.bias", "visual_projection.weight"]
    assert len(keys) == 5 + 2 * 16 + 3
    assert sd["vision_model.embeddings.patch_embedding.weight"].shape == (32, 3, 8, 8)
    assert sd["vision_model.embeddings.position_embedding.weight"].shape == (17, 32)  # (32/8)^2 + CLS
    assert sd["visual_projection.weight"].shape == (16, 32)
    # a full CLIPConfig (vision_config + projection_dim) is accepted too
    full = {"projection_dim": 16, "vision_config": {k: v for k, v in tiny_vision_config(99).items() if k != "projection_dim"}}
    assert CLIPVisionModelWithProjection(full).config["projection_dim"] == 16
