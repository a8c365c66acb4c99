"""Textual inversion (spec §2.3): every file of <root>/embedding/ in the A1111 .pt, diffusers .bin/.pt
and .safetensors formats (fp32, fp16) gives its vector 0 as ONE new token id (vocab_size, +1, ... in
file-name order) in the text encoder's table and in the manifest's tokenizer.addedTokens.
Fast: only the text encoder graph is exported (the full tree export is test_export_tree.py)."""
from __future__ import annotations

import argparse
import copy
import json
import shutil
import struct

import numpy as np
import pytest
import torch
from torch import nn

from musev_export import pack_writer, tree
from musev_export.schema_check import validate_manifest
from musev_export.textual_inversion import TextualInversionError, add_textual_inversion, read_ti_vector
from onnx_runner import run_onnx
from test_export_tree import write_fake_tree

ST_DTYPES = {torch.float32: "F32", torch.float16: "F16"}


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for k, t in tensors.items():
        b = t.contiguous().numpy().tobytes()
        header[k] = {"dtype": ST_DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def write_ti_files(folder, dim):
    """One file per format; returns {token: the float32 vector 0 the exporter must use}, in file-name order."""
    g = torch.Generator().manual_seed(11)
    folder.mkdir(parents=True, exist_ok=True)
    for p in folder.iterdir():
        p.unlink()
    a1111 = torch.randn(2, dim, generator=g)
    torch.save({"string_to_param": {"*": a1111}, "string_to_token": {"*": 265}, "name": "badhandv4", "step": 100},
               folder / "badhandv4.pt")
    single = torch.randn(dim, generator=g)
    torch.save({"ng_deepnegative_v1_75t": single}, folder / "ng_deepnegative_v1_75t.pt")
    multi16 = torch.randn(3, dim, generator=g).half()
    torch.save({"<bad_prompt>": multi16}, folder / "bad_prompt_version2-neg.bin")
    emb16 = torch.randn(2, dim, generator=g).half()
    write_safetensors(folder / "EasyNegativeV2.safetensors", {"emb_params": emb16})
    plain = torch.randn(4, dim, generator=g)
    write_safetensors(folder / "zz_single.safetensors", {"some_name": plain})
    (folder / "README.md").write_text("not a textual-inversion file")
    return {  # sorted by file name (upper case first)
        "EasyNegativeV2": emb16[0].float(),
        "bad_prompt_version2-neg": multi16[0].float(),
        "badhandv4": a1111[0],
        "ng_deepnegative_v1_75t": single,
        "zz_single": plain[0],
    }


def tree_args(root):
    p = argparse.ArgumentParser()
    tree.add_arguments(p)
    return p.parse_args(["--checkpoints", str(root), "--out", str(root.parent / "out")])


@pytest.fixture(scope="module")
def ti_tree(tiny, tmp_path_factory):
    root = write_fake_tree(tiny, tmp_path_factory.mktemp("ti") / "checkpoints")
    vectors = write_ti_files(root / "embedding", tiny.text_encoder.config["hidden_size"])
    return root, vectors


def test_read_formats(ti_tree):
    root, vectors = ti_tree
    for token, vec in vectors.items():
        path = next(p for p in (root / "embedding").iterdir() if p.stem == token)
        assert torch.equal(read_ti_vector(path), vec), path.name


def test_tree_bakes_ti_tokens(tiny, ti_tree, tmp_path, monkeypatch, capsys):
    root, vectors = ti_tree
    models, info, scheduler = tree._load_family(tree_args(root), "musev")
    log = capsys.readouterr().out
    for name in ("badhandv4.pt", "ng_deepnegative_v1_75t.pt", "bad_prompt_version2-neg.bin",
                 "EasyNegativeV2.safetensors", "zz_single.safetensors"):
        assert name in log
    assert "README.md" not in log
    vocab_size = tiny.text_encoder.config["vocab_size"]
    expected = [{"token": t, "id": vocab_size + i} for i, t in enumerate(vectors)]
    assert models.added_tokens == expected
    assert models.text_encoder.config["vocab_size"] == vocab_size + len(vectors)

    # PyTorch reference: the tiny text encoder with the table extended by hand
    ref = copy.deepcopy(tiny.text_encoder)
    table = torch.cat([ref.text_model.embeddings.token_embedding.weight.detach(), torch.stack(list(vectors.values()))])
    ref.text_model.embeddings.token_embedding = nn.Embedding.from_pretrained(table, freeze=True)

    # write the pack with the text encoder graph only (the other graphs are test_export_tree's job)
    monkeypatch.setattr(pack_writer, "graph_names", lambda m: ("text_encoder",))
    monkeypatch.setattr(pack_writer, "validate_manifest", lambda m: validate_manifest(
        {**m, "graphs": {n: m["graphs"]["text_encoder"] for n in pack_writer.CORE_GRAPHS}}))
    manifest, _ = pack_writer.write_pack(models, tmp_path / "pack", {**info, "id": "ti-test"}, scheduler)
    assert manifest["tokenizer"]["addedTokens"] == expected
    on_disk = json.loads((tmp_path / "pack" / "manifest.json").read_text())
    assert on_disk["tokenizer"]["addedTokens"] == expected
    assert (tmp_path / "pack" / "tokenizer" / "vocab.json").read_bytes() == (
        root / "t2i" / "sd1.5" / tree.DEFAULT_SD_MODEL / "tokenizer" / "vocab.json").read_bytes()

    ids = torch.tensor([[vocab_size - 2, 5, vocab_size, 7, vocab_size + 1, vocab_size + 2, vocab_size + 3,
                         vocab_size + 4, 9] + [vocab_size - 1] * 68,
                        [vocab_size - 2, vocab_size + 4, vocab_size + 2] + [vocab_size - 1] * 74])
    with torch.no_grad():
        want = ref(ids).numpy()
        assert np.abs(models.text_encoder(ids).numpy() - want).max() == 0
    got = run_onnx(tmp_path / "pack" / "text_encoder.onnx", {"input_ids": ids.numpy()})["last_hidden_state"]
    diff = float(np.abs(got - want).max())
    print(f"text encoder with 5 TI tokens: onnxruntime-node vs PyTorch max abs diff {diff:.3g}")
    assert diff <= 1e-5


def test_wrong_dim_is_refused_by_name(tiny, ti_tree, tmp_path, capsys):
    root = tmp_path / "checkpoints"
    shutil.copytree(ti_tree[0], root)
    dim = tiny.text_encoder.config["hidden_size"]
    torch.save({"string_to_param": {"*": torch.zeros(1, dim + 8)}}, root / "embedding" / "wide_one.pt")
    with pytest.raises(TextualInversionError, match="wide_one.pt"):
        tree._load_family(tree_args(root), "musev")
    assert tree.run(tree_args(root)) == 1
    out = capsys.readouterr().out
    assert "wide_one.pt" in out and f"{dim + 8}" in out and "not written: musev" in out
    assert not (root.parent / "out" / "musev-fp16").exists()


def test_existing_or_duplicate_token_is_refused(tiny, tmp_path):
    dim = tiny.text_encoder.config["hidden_size"]
    token = next(t for t in tiny.vocab if t.isalnum())
    with pytest.raises(TextualInversionError, match=repr(token)):
        add_textual_inversion(copy.deepcopy(tiny.text_encoder), tiny.vocab, [(tmp_path / f"{token}.pt", token, torch.zeros(dim))])
    (tmp_path / "emb").mkdir()
    torch.save({"x": torch.zeros(dim)}, tmp_path / "emb" / "dup.pt")
    torch.save({"x": torch.zeros(dim)}, tmp_path / "emb" / "dup.bin")
    from musev_export.textual_inversion import read_ti_folder

    with pytest.raises(TextualInversionError, match="dup.bin"):
        read_ti_folder(tmp_path / "emb")
    (tmp_path / "emb" / "dup.bin").write_bytes(b"")
    (tmp_path / "emb" / "dup.pt").unlink()
    with pytest.raises(TextualInversionError, match="dup.bin"):
        read_ti_folder(tmp_path / "emb")
