"""The pack as written: deterministic bytes, manifest valid against models/pack_schema.json and
consistent with the files, the graph I/O contract, and the committed demo pack up to date."""
from __future__ import annotations

import copy
import hashlib
import json

import pytest

from musev_export.pack_writer import write_pack
from musev_export.presets import TINY_PACK, tiny_models
from musev_export.schema_check import load_schema, validate, validate_manifest

CONTRACT = {
    "text_encoder": ({"input_ids": ("int64", ["batch", 77])}, {"last_hidden_state": ("float32", ["batch", 77, 32])}),
    "vae_encoder": (
        {"image": ("float32", ["batch", 3, "height", "width"])},
        {"latent_mean": ("float32", ["batch", 4, "latent_height", "latent_width"])},
    ),
    "vae_decoder": (
        {"latent": ("float32", ["batch", 4, "latent_height", "latent_width"])},
        {"image": ("float32", ["batch", 3, "height", "width"])},
    ),
    "unet": (
        {
            "sample": ("float32", ["batch", 4, "frames", "latent_height", "latent_width"]),
            "timestep": ("float32", [1]),
            "encoder_hidden_states": ("float32", ["batch", "seq", 32]),
            "frame_index": ("int64", ["frames"]),
        },
        {"noise_pred": ("float32", ["batch", 4, "frames", "latent_height", "latent_width"])},
    ),
}
CONTRACT["unet_spatial"] = CONTRACT["unet"]  # same I/O; frame_index is accepted and unused


def all_refs(manifest):
    for g in manifest["graphs"].values():
        yield g
        yield from g["externalData"]
    yield manifest["tokenizer"]["vocab"]
    yield manifest["tokenizer"]["merges"]


def test_two_exports_are_byte_identical(tiny_pack, tmp_path):
    pack, manifest = tiny_pack
    manifest2, files2 = write_pack(tiny_models(), tmp_path / "again", TINY_PACK)
    assert manifest2 == manifest
    for ref in all_refs(manifest):
        assert hashlib.sha256((tmp_path / "again" / ref["file"]).read_bytes()).hexdigest() == ref["sha256"]
    assert (tmp_path / "again" / "manifest.json").read_bytes() == (pack / "manifest.json").read_bytes()


def test_committed_demo_pack_is_current(tiny_pack, committed_pack_dir):
    """public/packs/tiny-musev must be what `bash models/make-demo-pack.sh` writes today."""
    pack, _ = tiny_pack
    committed = committed_pack_dir / "manifest.json"
    assert committed.exists(), "run: bash models/make-demo-pack.sh"
    assert committed.read_bytes() == (pack / "manifest.json").read_bytes(), "demo pack is stale: run bash models/make-demo-pack.sh"
    for ref in all_refs(json.loads(committed.read_text())):
        data = (committed_pack_dir / ref["file"]).read_bytes()
        assert len(data) == ref["bytes"] and hashlib.sha256(data).hexdigest() == ref["sha256"], ref["file"]


def test_manifest_matches_schema_and_files(tiny_pack):
    pack, manifest = tiny_pack
    assert validate_manifest(manifest) == []
    assert validate_manifest(json.loads((pack / "manifest.json").read_text())) == []
    listed = set()
    for ref in all_refs(manifest):
        data = (pack / ref["file"]).read_bytes()
        assert ref["bytes"] == len(data)
        assert ref["sha256"] == hashlib.sha256(data).hexdigest()
        listed.add(ref["file"])
    on_disk = {str(p.relative_to(pack)) for p in pack.rglob("*") if p.is_file()} - {"manifest.json"}
    assert on_disk == listed
    for name, g in manifest["graphs"].items():
        owner = "unet" if name == "unet_spatial" else name  # unet_spatial points into unet.onnx.data
        assert g["externalData"] == [{**g["externalData"][0], "file": f"{owner}.onnx.data"}]
    assert manifest["graphs"]["unet_spatial"]["externalData"] == manifest["graphs"]["unet"]["externalData"]
    assert list(manifest["graphs"]) == ["text_encoder", "vae_encoder", "vae_decoder", "unet", "unet_spatial"]


def test_manifest_fields(tiny_pack, tiny):
    _, m = tiny_pack
    assert (m["format"], m["formatVersion"], m["id"], m["family"], m["randomWeights"]) == ("musev-web-pack", 1, "tiny-musev", "musev", True)
    assert m["name"] == "Tiny demo (random weights)"
    assert m["vae"] == {"scalingFactor": 0.18215, "latentChannels": 4, "downscale": 8}
    assert m["unet"] == {"crossAttentionDim": 32, "frameIndexUsesMotionSpeed": False, "latentMultiple": 8}
    assert m["defaults"] == {
        "width": 128, "height": 128, "frames": 12, "contextFrames": 12, "contextOverlap": 4, "steps": 10,
        "guidanceScale": 3.5, "fps": 12, "motionSpeed": 8, "negativePrompt": "",
    }
    s = m["scheduler"]
    assert (s["num_train_timesteps"], s["beta_start"], s["beta_end"], s["beta_schedule"]) == (1000, 0.00085, 0.012, "scaled_linear")
    assert (s["prediction_type"], s["timestep_spacing"], s["steps_offset"], s["use_karras_sigmas"]) == ("epsilon", "linspace", 1, False)
    tok = m["tokenizer"]
    assert tok["maxLength"] == 77 and tok["padTokenId"] == tok["eosTokenId"] == tok["bosTokenId"] + 1
    assert tok["eosTokenId"] == tiny.text_encoder.config["vocab_size"] - 1


@pytest.mark.parametrize("graph", list(CONTRACT))
def test_graph_io_contract(tiny_pack, graph):
    _, m = tiny_pack
    ins, outs = CONTRACT[graph]
    g = m["graphs"][graph]
    assert {t["name"]: (t["dtype"], t["shape"]) for t in g["inputs"]} == ins
    assert {t["name"]: (t["dtype"], t["shape"]) for t in g["outputs"]} == outs


def _broken(manifest, edit):
    m = copy.deepcopy(manifest)
    edit(m)
    return validate_manifest(m)


@pytest.mark.parametrize(
    "edit,needle",
    [
        (lambda m: m.update(formatVersion=2), "$.formatVersion"),
        (lambda m: m["graphs"]["unet"].update(sha256="XYZ"), "$.graphs.unet.sha256"),
        (lambda m: m["graphs"].pop("vae_decoder"), "missing required property 'vae_decoder'"),
        (lambda m: m["graphs"]["text_encoder"]["externalData"][0].update(file="../../etc/passwd"), "externalData[0].file"),
        (lambda m: m["graphs"]["unet"].update(file="https://x.test/unet.onnx"), "$.graphs.unet.file"),
        (lambda m: m["scheduler"].update(use_karras_sigmas=True), "$.scheduler.use_karras_sigmas"),
        (lambda m: m["defaults"].update(frames=1.5), "$.defaults.frames"),
        (lambda m: m["unet"].update(extra=1), "unexpected property 'extra'"),
        (lambda m: m["graphs"]["unet"]["inputs"][0].update(shape=["batch", -1]), "$.graphs.unet.inputs[0].shape[1]"),
        (lambda m: m["graphs"]["unet"]["inputs"][0].update(dtype="uint8"), "$.graphs.unet.inputs[0].dtype"),
        (lambda m: m.update(randomWeights="yes"), "$.randomWeights"),
    ],
)
def test_schema_rejects_broken_manifests(tiny_pack, edit, needle):
    errors = _broken(tiny_pack[1], edit)
    assert errors and any(needle in e for e in errors), errors


def test_schema_file_is_draft_2020_12_and_validator_refuses_unknown_keywords():
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    with pytest.raises(ValueError):
        validate({}, {"type": "object", "oneOf": []})
    assert validate(3, {"type": "integer", "minimum": 4}) == ["$: must be >= 4"]
    assert validate(True, {"type": "integer"}) == ["$: must be of type integer"]
