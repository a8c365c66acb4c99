"""Where the split cuts the full-size (SD1.5) musev UNet, without a full-size export (models/README.md).

    PYTHONPATH=models /usr/bin/python3 -m musev_export.optimize.split_sizes [--max-session-mb 4096]
                                                                            # ~1 min, ~6 GB RAM

The tiny UNet's config differs from the SD1.5 one only in widths and head counts (sizes.py), so its
exported graph has the same nodes in the same order. Each of its initializers is given the byte
length of its full-size counterpart (same parameter name; for torch's `onnx::MatMul_N`-style names,
the tiny parameter with the same element count under the consuming node's module scope), and
plan_split runs on that graph: the cuts, part sizes and crossing tensors are those of the full-size
fp32 export (4 bytes per parameter; at fp16 the UNet fits one session and is not split).
"""
from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict

import onnx
import torch
from onnx import TensorProto

from .external import MIB
from .graph import tensor_bytes, weight_bytes
from .split import _Graph, plan_split

REPO = Path(__file__).resolve().parents[3]


def _numels(config: dict) -> Dict[str, int]:
    from ..unet3d import UNet3DConditionModel

    with torch.no_grad():
        model = UNet3DConditionModel(config)
    out = {name: p.numel() for name, p in model.named_parameters()}
    del model
    return out


def _in_scope(node: str, params: Dict[str, int]):
    """Parameters under a node's module scope: `/unet/a.0/b/to_q_1/MatMul` -> `a.0[.*].b[.*].to_q.<name>`
    (torch numbers a module's second call `_1`; modules in between may be missing from the scope)."""
    scope = [re.sub(r"_\d+$", "", s) for s in node.split("/")[2:-1]]
    scope = [s for k, s in enumerate(scope) if not (k + 1 < len(scope) and scope[k + 1].startswith(s + "."))]  # conv1/conv1.0
    if not scope:
        return []
    pattern = re.compile("^" + re.escape(scope[0]) + "".join(r"(\.[^.]+)*?\." + re.escape(s) for s in scope[1:]) + r"\.[^.]+$")
    return [p for p in params if pattern.match(p)]


def full_size_bytes(model: onnx.ModelProto, tiny: Dict[str, int], full: Dict[str, int], itemsize: int = 4) -> int:
    """In place: every initializer's external `length` becomes its full-size byte count (dims stay
    tiny: shape inference only needs ranks). Returns how many could not be matched (kept as is)."""
    consumers = defaultdict(list)
    for n in model.graph.node:
        for i in n.input:
            consumers[i].append(n.name)
    unmatched = 0
    for t in model.graph.initializer:
        n = int(tensor_bytes(t) // max(1, onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[t.data_type].itemsize))
        name = t.name[len("unet."):] if t.name.startswith("unet.") else None
        if name not in full:
            name = None
            for c in [c for c in consumers[t.name] if c.startswith("/unet/")][:1]:
                cands = [p for p in _in_scope(c, tiny) if tiny[p] == n]
                modules = list(dict.fromkeys(p.rsplit(".", 1)[0] for p in cands))
                call = re.search(r"_(\d+)$", c.split("/")[-2])  # torch's `to_k_1`: the 2nd call, = the 2nd module
                pick = modules[min(int(call.group(1)) if call else 0, len(modules) - 1)] if modules else None
                name = next((p for p in cands if p.rsplit(".", 1)[0] == pick), None)
        if name is None:
            unmatched += 1
            continue
        del t.external_data[:]
        t.data_location = TensorProto.EXTERNAL
        for key, value in (("location", "full-size"), ("offset", "0"), ("length", str(full[name] * itemsize))):
            e = t.external_data.add()
            e.key, e.value = key, value
    return unmatched


def main(argv=None) -> int:
    from ..common import read_json
    from ..presets import config_path
    from .sizes import SPEC_PARAMS, full_musev_unet_config

    ap = argparse.ArgumentParser(prog="musev_export.optimize.split_sizes", description=__doc__)
    ap.add_argument("--pack", default=str(REPO / "public" / "packs" / "tiny-musev"), help="a tiny musev pack (its unet.onnx)")
    ap.add_argument("--max-session-mb", type=float, default=4096)
    args = ap.parse_args(argv)
    tiny, full = _numels(read_json(config_path("musev_unet"))), _numels(full_musev_unet_config())
    limit = int(args.max_session_mb * MIB)
    for graph in ("unet", "unet_spatial"):
        model = onnx.load(str(Path(args.pack) / f"{graph}.onnx"), load_external_data=False)
        unmatched = full_size_bytes(model, tiny, full)
        total = weight_bytes(model)
        spec = f"; spec section 5: {4 * SPEC_PARAMS['unet (musev)'] / 1e9:.3f} GB" if graph == "unet" else ""
        print(f"{graph}: {total / 1e9:.3f} GB fp32 ({unmatched} initializers kept at tiny size{spec})")
        if total <= limit:
            print(f"  fits one session of {args.max_session_mb:,.0f} MiB")
            continue
        gr = _Graph(model)
        plan = plan_split(model, limit, graph, _gr=gr)
        for k, (start, size) in enumerate(zip(plan.starts, plan.part_bytes)):
            cut = f", cut before {gr.seq[start].name} ({plan.crossing[k - 1]} tensors cross)" if k else ""
            print(f"  part {k}: {size / 1e9:.3f} GB{cut}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
