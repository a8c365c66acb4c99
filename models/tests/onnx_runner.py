"""Runs an ONNX graph through Node + onnxruntime-node (there is no onnxruntime for Python here)."""
from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Dict

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DTYPES = {np.dtype("float32"): "float32", np.dtype("int64"): "int64", np.dtype("int32"): "int32"}
NP = {"float32": np.float32, "int64": np.int64, "int32": np.int32}


def run_onnx(model_path: str | Path, inputs: Dict[str, np.ndarray], timeout: float = 300) -> Dict[str, np.ndarray]:
    with tempfile.TemporaryDirectory(prefix="ort-io-") as io:
        header = []
        for i, (name, arr) in enumerate(inputs.items()):
            arr = np.ascontiguousarray(arr)
            file = f"in{i}.bin"
            (Path(io) / file).write_bytes(arr.astype(arr.dtype.newbyteorder("<")).tobytes())
            header.append({"name": name, "dtype": DTYPES[arr.dtype], "shape": list(arr.shape), "file": file})
        (Path(io) / "inputs.json").write_text(json.dumps({"inputs": header}))
        proc = subprocess.run(
            ["node", str(HERE / "run_onnx.mjs"), str(Path(model_path).resolve()), io],
            cwd=REPO, capture_output=True, text=True, timeout=timeout,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"onnxruntime-node failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
        meta = json.loads((Path(io) / "outputs.json").read_text())
        out = {}
        for t in meta["outputs"]:
            data = np.frombuffer((Path(io) / t["file"]).read_bytes(), dtype=NP[t["dtype"]])
            out[t["name"]] = data.reshape(t["shape"]).copy()
        return out
