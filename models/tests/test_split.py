"""The UNet split across sessions (optimize/split.py): a graph whose weights exceed
--max-session-mb becomes K consecutive parts. On the tiny musev pack (UNet 21.7 MB fp32) with
limits forcing 2 and 3 parts: the parts chained through onnxruntime-node give the whole graph's
output (max abs diff <= 1e-6), every part's weights stay under the limit, the manifest is
schema-valid and lists every file; the referencenet-family UNet splits as well; a single
initializer over the limit is a clear error; the split pack can be post-processed again (parts joined back); the TypeScript runtime loads the split
pack (src/runtime/splitPack.test.ts, run from here on a freshly written split pack).
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import onnx
import pytest

from musev_export.optimize import OptimizeOptions, optimize_pack
from musev_export.optimize.external import MIB, SessionTooLarge, save_sharded
from musev_export.optimize.graph import tensor_bytes, weight_bytes
from musev_export.optimize.split import plan_split, split_model
from musev_export.schema_check import validate_manifest
from onnx_runner import DTYPES, NP, REPO, run_onnx

HERE = Path(__file__).resolve().parent
TOL = 1e-6


def run_chain(parts, inputs, outputs):
    """The parts run in order by run_onnx_chain.mjs (onnxruntime-node, CPU EP)."""
    with tempfile.TemporaryDirectory(prefix="ort-chain-") as io:
        header = []
        for i, (name, arr) in enumerate(inputs.items()):
            (Path(io) / f"in{i}.bin").write_bytes(np.ascontiguousarray(arr).tobytes())
            header.append({"name": name, "dtype": DTYPES[arr.dtype], "shape": list(arr.shape), "file": f"in{i}.bin"})
        (Path(io) / "inputs.json").write_text(json.dumps({"inputs": header, "outputs": outputs}))
        proc = subprocess.run(["node", str(HERE / "run_onnx_chain.mjs"), io, *map(str, parts)],
                              cwd=REPO, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-4000:]
        meta = json.loads((Path(io) / "outputs.json").read_text())
        return {t["name"]: np.frombuffer((Path(io) / t["file"]).read_bytes(), NP[t["dtype"]]).reshape(t["shape"])
                for t in meta["outputs"]}


def unet_inputs(d=32, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "sample": rng.standard_normal((2, 4, 3, 16, 8)).astype(np.float32),
        "timestep": np.array([957.0], np.float32),
        "encoder_hidden_states": rng.standard_normal((2, 7, d)).astype(np.float32),
        "frame_index": np.arange(3, dtype=np.int64),
    }


@pytest.fixture(scope="module")
def split_packs(tiny_pack, tmp_path_factory):
    """{parts wanted: (pack dir, manifest, report, limit)}: limits of 0.6 and 0.4 x the UNet's weights."""
    src, manifest = tiny_pack
    total = weight_bytes(onnx.load(str(src / "unet.onnx"), load_external_data=False))
    out = {}
    for k, share in ((2, 0.6), (3, 0.4)):
        limit = int(total * share)
        dst = tmp_path_factory.mktemp("split") / f"tiny-musev-split{k}"
        report = optimize_pack(src, dst, OptimizeOptions(max_session_mb=limit / MIB), pack_id=f"tiny-musev-split{k}")
        out[k] = (dst, json.loads((dst / "manifest.json").read_text()), report, limit)
    return out


@pytest.mark.parametrize("k", [2, 3])
def test_parts_chained_equal_the_whole_unet(tiny_pack, split_packs, k):
    src, whole_manifest = tiny_pack
    pack, manifest, report, limit = split_packs[k]
    spec = manifest["graphs"]["unet"]
    total = report["unet"]["weight_bytes"]
    assert len(spec["parts"]) == k == math.ceil(total / limit)  # the fewest parts the limit allows
    assert spec["inputs"] == whole_manifest["graphs"]["unet"]["inputs"]
    assert spec["outputs"] == whole_manifest["graphs"]["unet"]["outputs"]
    x = unet_inputs()
    ref = run_onnx(src / "unet.onnx", x)["noise_pred"]
    got = run_chain([pack / p["file"] for p in spec["parts"]], x, ["noise_pred"])["noise_pred"]
    diff = float(np.abs(got - ref).max())
    print(f"unet in {k} parts {report['unet']['parts']} (limit {limit:,}): max |chained - whole| = {diff:.3g}")
    assert got.shape == ref.shape and diff <= TOL
    for p, weights in zip(spec["parts"], report["unet"]["parts"]):
        model = onnx.load(str(pack / p["file"]), load_external_data=False)
        assert weight_bytes(model) == weights <= limit
        assert [v.name for v in model.graph.input] == p["inputs"]
        assert [v.name for v in model.graph.output] == p["outputs"]
        assert {r["file"] for r in p["externalData"]} == {e.value for i in model.graph.initializer
                                                          for e in i.external_data if e.key == "location"}


def test_unet_spatial_split_reads_the_unet_parts_files(tiny_pack, split_packs):
    """At 0.4 x the UNet, unet_spatial (0.6 x) is split too, with its own cut; its parts point into
    the UNet parts' data files (no weights of its own), as unet_spatial.onnx reads unet.onnx.data."""
    src, _ = tiny_pack
    pack, manifest, report, limit = split_packs[3]
    spatial = manifest["graphs"]["unet_spatial"]
    assert len(spatial["parts"]) >= 2 and all(w <= limit for w in report["unet_spatial"]["parts"])
    unet_files = {r["file"] for p in manifest["graphs"]["unet"]["parts"] for r in p["externalData"]}
    assert {r["file"] for p in spatial["parts"] for r in p["externalData"]} <= unet_files
    x = unet_inputs(seed=1)
    x["sample"] = x["sample"][:, :, :1]
    x["frame_index"] = x["frame_index"][:1]
    ref = run_onnx(src / "unet_spatial.onnx", x)["noise_pred"]
    got = run_chain([pack / p["file"] for p in spatial["parts"]], x, ["noise_pred"])["noise_pred"]
    diff = float(np.abs(got - ref).max())
    print(f"unet_spatial in {len(spatial['parts'])} parts: max |chained - whole| = {diff:.3g}")
    assert diff <= TOL
    # at 0.6 x the UNet it fits one session and keeps reading the UNet parts' files
    two = split_packs[2][1]["graphs"]["unet_spatial"]
    assert "parts" not in two and {r["file"] for r in two["externalData"]} <= {
        r["file"] for p in split_packs[2][1]["graphs"]["unet"]["parts"] for r in p["externalData"]}


@pytest.mark.parametrize("k", [2, 3])
def test_split_manifest_is_valid_and_lists_every_file(split_packs, k):
    pack, manifest, _, _ = split_packs[k]
    assert validate_manifest(manifest) == []
    listed = {"manifest.json", manifest["tokenizer"]["vocab"]["file"], manifest["tokenizer"]["merges"]["file"]}
    for g in manifest["graphs"].values():
        for f in g.get("parts", [g]):
            for r in [f] + f["externalData"]:
                data = (pack / r["file"]).read_bytes()
                assert len(data) == r["bytes"] and hashlib.sha256(data).hexdigest() == r["sha256"], r["file"]
                listed.add(r["file"])
    assert {str(p.relative_to(pack)) for p in pack.rglob("*") if p.is_file()} == listed
    broken = json.loads(json.dumps(manifest))
    broken["graphs"]["unet"]["parts"][0]["sha256"] = "XYZ"
    assert any("$.graphs.unet.parts[0].sha256" in e for e in validate_manifest(broken))


def test_one_initializer_over_the_limit_is_a_clear_error(tiny_pack, tmp_path):
    src, _ = tiny_pack
    model = onnx.load(str(src / "unet.onnx"), load_external_data=False)
    biggest = max(model.graph.initializer, key=tensor_bytes)
    limit = tensor_bytes(biggest) - 1
    with pytest.raises(SessionTooLarge, match=f"initializer {biggest.name} alone has {tensor_bytes(biggest):,} bytes"):
        plan_split(model, limit, "unet")
    with pytest.raises(SessionTooLarge, match="no split can fit it"):
        optimize_pack(src, tmp_path / "too-small", OptimizeOptions(max_session_mb=limit / MIB))
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_a_split_pack_can_be_post_processed_again(tiny_pack, split_packs, tmp_path):
    src, _ = tiny_pack
    pack = split_packs[3][0]
    optimize_pack(pack, tmp_path / "joined", OptimizeOptions(), pack_id="tiny-musev-joined")
    manifest = json.loads((tmp_path / "joined" / "manifest.json").read_text())
    assert "parts" not in manifest["graphs"]["unet"] and validate_manifest(manifest) == []
    x = unet_inputs(seed=2)
    ref = run_onnx(src / "unet.onnx", x)["noise_pred"]
    got = run_onnx(tmp_path / "joined" / "unet.onnx", x)["noise_pred"]
    assert float(np.abs(got - ref).max()) <= TOL


def test_referencenet_unet_parts_equal_the_whole(tiny_ref_pack, tmp_path):
    """The referencenet-family UNet (IP tokens, 11 ReferenceNet features, ...) in 3 parts."""
    src, manifest = tiny_ref_pack
    model = onnx.load(str(src / "unet.onnx"))
    limit = int(weight_bytes(model) * 0.4)
    files = []
    for j, part in enumerate(split_model(model, limit, "unet")):
        assert part.weight_bytes <= limit
        save_sharded(part.model, tmp_path / f"unet.part{j}.onnx")
        files.append(tmp_path / f"unet.part{j}.onnx")
    assert len(files) == 3
    sizes = {"batch": 2, "frames": 3, "latent_height": 16, "latent_width": 8, "ref_height": 16, "ref_width": 8}
    rng = np.random.default_rng(3)
    x = {}
    for t in manifest["graphs"]["unet"]["inputs"]:
        shape = [d if isinstance(d, int) else sizes.get(d.split("/")[0], 4) // int((d.split("/") + ["1"])[1]) for d in t["shape"]]
        x[t["name"]] = (np.arange(shape[0], dtype=np.int64) if t["dtype"] == "int64" else
                        np.full(shape, 0.8 if t["name"].endswith("scale") else 500.0, np.float32) if shape == [1] else
                        rng.standard_normal(shape).astype(np.float32))
    ref = run_onnx(src / "unet.onnx", x)["noise_pred"]
    got = run_chain(files, x, ["noise_pred"])["noise_pred"]
    diff = float(np.abs(got - ref).max())
    print(f"referencenet-family unet in 3 parts ({len(x)} inputs): max |chained - whole| = {diff:.3g}")
    assert diff <= TOL


@pytest.mark.skipif(os.environ.get("MUSEV_SKIP_VITEST") == "1", reason="MUSEV_SKIP_VITEST=1")
def test_typescript_runtime_runs_the_split_pack(committed_pack_dir, tmp_path):
    """The real TS path (loadPack, createGraphSession, onnxruntime-web wasm) on a split copy of the
    committed demo pack vs the demo pack itself: src/runtime/splitPack.test.ts."""
    total = weight_bytes(onnx.load(str(committed_pack_dir / "unet.onnx"), load_external_data=False))
    dst = tmp_path / "tiny-musev-split"
    optimize_pack(committed_pack_dir, dst, OptimizeOptions(max_session_mb=total * 0.4 / MIB), pack_id="tiny-musev-split")
    manifest = json.loads((dst / "manifest.json").read_text())
    assert len(manifest["graphs"]["unet"]["parts"]) == 3 and "parts" in manifest["graphs"]["unet_spatial"]
    proc = subprocess.run(["npx", "vitest", "run", "src/runtime/splitPack.test.ts"], cwd=REPO, capture_output=True,
                          text=True, timeout=600, env={**os.environ, "MUSEV_SPLIT_PACK": str(dst)})
    print(proc.stdout[-3000:])
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "1 skipped" not in proc.stdout and "passed" in proc.stdout
