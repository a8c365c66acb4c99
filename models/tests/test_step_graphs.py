"""The step graphs of the GPU-resident loop: regenerating them gives the committed files
(public/graphs), whose sha256 the app checks (src/runtime/stepGraphs.ts). Their numbers are tested
against the CPU loop in src/runtime/stepGraphs.test.ts (onnxruntime-web, wasm EP)."""
from __future__ import annotations

import hashlib
import re

from conftest import REPO
from musev_export.step_graphs import GRAPHS, write_all


def test_regenerated_graphs_equal_the_committed_files_and_the_app_hashes(tmp_path):
    hashes = write_all(str(tmp_path))
    app = (REPO / "src" / "runtime" / "stepGraphs.ts").read_text()
    assert set(hashes) == set(GRAPHS)
    for name, digest in hashes.items():
        committed = (REPO / "public" / "graphs" / f"{name}.onnx").read_bytes()
        assert hashlib.sha256(committed).hexdigest() == digest, f"public/graphs/{name}.onnx is stale: run python3 -m musev_export.step_graphs"
        assert re.search(rf"\b{name}: '{digest}'", app), f"src/runtime/stepGraphs.ts has another sha256 for {name}"
