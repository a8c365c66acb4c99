"""Fixtures for e2e/webgpu-placement.spec.ts: post-processed variants of the committed demo pack
plus, for every graph to check, the names of its nodes that compute on float tensors (so the
spec can tell a Mul on activations from a Mul on an int64 shape, which ORT may keep on the CPU).

    PYTHONPATH=models /usr/bin/python3 -m musev_export.optimize.placement --out <dir>

writes <dir>/<variant pack id>/ for each variant and <dir>/placement.json:
    {"packs": [{"id", "dir", "variant", "dtype", "graphs": [{"graph", "file", "externalData": [...],
                "floatNodes": [...], "boundaryCasts": [...], "nodes": N}]}]}
Committed packs (public/packs/*/manifest.json) are listed in place, never rewritten.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import List, Tuple

import onnx

from .fp16 import _elem_types
from .graph import FLOAT, FLOAT16
from .pack import OptimizeOptions, optimize_pack, variant_suffix

REPO = Path(__file__).resolve().parents[3]
VARIANTS = {
    "fp32-mha": OptimizeOptions(attention="mha", shard_mb=1),
    "fp32-int8": OptimizeOptions(quantize="int8", shard_mb=1),
    "fp16-int8-mha": OptimizeOptions(dtype="fp16", quantize="int8", attention="mha", shard_mb=1),
}


def float_nodes(onnx_path: Path) -> Tuple[List[str], List[str]]:
    """(names of nodes producing a float tensor, the input-boundary Casts among them).

    A Cast of an integer graph input (the UNet's `Cast(frame_index)`, a [frames] vector) is
    where ORT's WebGPU session keeps int64 inputs on the CPU; it is listed apart so the spec can
    allow it by name (it is data conversion at the graph boundary, not compute on activations)."""
    model = onnx.load(str(onnx_path), load_external_data=False)
    types = _elem_types(model)
    int_inputs = {v.name for v in model.graph.input if v.type.tensor_type.elem_type not in (FLOAT, FLOAT16)}
    floats, boundary = [], []
    for n in model.graph.node:
        if any(types.get(o) in (FLOAT, FLOAT16) for o in n.output if o):
            (boundary if n.op_type == "Cast" and n.input[0] in int_inputs else floats).append(n.name)
    return floats, boundary


def describe(pack_dir: Path, variant: str) -> dict:
    manifest = json.loads((pack_dir / "manifest.json").read_text(encoding="utf-8"))
    graphs = []
    files = [(name if "parts" not in spec else f"{name}.part{k}", f)
             for name, spec in manifest["graphs"].items() for k, f in enumerate(spec.get("parts", [spec]))]
    for name, spec in files:  # a split graph: each part is its own session
        path = pack_dir / spec["file"]
        floats, boundary = float_nodes(path)
        graphs.append({
            "graph": name,
            "file": spec["file"],
            "externalData": [r["file"] for r in spec["externalData"]],
            "floatNodes": floats,
            "boundaryCasts": boundary,
            "nodes": len(onnx.load(str(path), load_external_data=False).graph.node),
        })
    return {"id": manifest["id"], "dir": str(pack_dir), "variant": variant, "dtype": manifest["dtype"], "graphs": graphs}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="musev_export.optimize.placement", description=__doc__)
    ap.add_argument("--out", required=True)
    ap.add_argument("--source", default=str(REPO / "public" / "packs" / "tiny-musev"), help="pack the variants are made from")
    args = ap.parse_args(argv)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    packs = []
    for manifest in sorted((REPO / "public" / "packs").glob("*/manifest.json")):
        packs.append(describe(manifest.parent, "committed"))
    src = json.loads((Path(args.source) / "manifest.json").read_text(encoding="utf-8"))
    for variant, opts in VARIANTS.items():
        assert variant == variant_suffix(opts)
        pid = f"{src['id']}-{variant}"
        optimize_pack(args.source, out / pid, opts, pack_id=pid, name_suffix=f"({variant})")
        packs.append(describe(out / pid, variant))
    (out / "placement.json").write_text(json.dumps({"packs": packs}, indent=1) + "\n", encoding="utf-8")
    for p in packs:
        print(f"{p['id']}: {', '.join(g['graph'] for g in p['graphs'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
