"""A full-size (SD1.5-width) musev UNet graph without its weights, and the FLOPs of one call, for
timing on a real GPU (scripts/node-webgpu-bench.ts; README "Figures").

    PYTHONPATH=models /usr/bin/python3 -m musev_export.optimize.bench_graph --out .tmp/bench-unet
                                            # full size: ~10 min, ~14 GB RAM, 6 GB scratch disk

No real checkpoint can be downloaded here, and a 2.8 GB fp16 graph cannot travel to a GPU machine,
so: the exporter's own UNet3D at the SD1.5 config (sizes.full_musev_unet_config; random init) is
exported as a pack's UNet is (export_graph; seeded random values, init_weights.init_random_), optimized as `--dtype fp16 --attention mha` does
(optimize_graph), and then every large float initializer is left out: it stays declared as external
data of `unet.onnx.data` at its offset, and `unet.weights.json` lists those ranges with their dtypes
so that the benchmark can fill the file with random values of the right type where it runs. Small
tensors (shape constants, scalars) stay in the graph. Timing does not depend on the weights' values.

FLOPs are counted from a forward pass on PyTorch's meta device (no memory, no compute): 2·m·n·k for
every matrix product (linear layers, attention QKᵀ and AV) and 2·out·(in/groups)·kernel for every
convolution, at the benchmark's input shape. `unet.flops.json` holds them.
"""
from __future__ import annotations

import argparse
import functools
import json
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, List

import numpy as np
import onnx
import torch
from onnx import TensorProto
from torch.utils._python_dispatch import TorchDispatchMode

from ..export import export_graph, unet_export
from .graph import tensor_bytes
from .pack import OptimizeOptions, optimize_graph

aten = torch.ops.aten
INLINE_BYTES = 1024  # initializers below this stay in the graph
ALIGN = 64


class FlopCounter(TorchDispatchMode):
    """Multiply-adds ×2 of matrix products and convolutions seen by the dispatcher, by kind."""

    def __init__(self):
        super().__init__()
        self.flops: Dict[str, int] = {}

    def _add(self, kind: str, n: int) -> None:
        self.flops[kind] = self.flops.get(kind, 0) + int(n)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        op = func.overloadpacket
        if op in (aten.mm, aten.addmm):
            a, b = (args[1], args[2]) if op is aten.addmm else (args[0], args[1])
            self._add("matmul", 2 * a.shape[0] * a.shape[1] * b.shape[1])
        elif op in (aten.bmm, aten.baddbmm):
            a, b = (args[1], args[2]) if op is aten.baddbmm else (args[0], args[1])
            self._add("batched matmul", 2 * a.shape[0] * a.shape[1] * a.shape[2] * b.shape[2])
        elif op is aten.convolution:
            self._add("conv", 2 * int(np.prod(out.shape)) * int(np.prod(args[1].shape[1:])))
        return out


@contextmanager
def _factories_on_meta():
    """torch.arange/zeros/... default to the meta device inside (the model makes a few constants)."""
    names = ("arange", "zeros", "ones", "full", "empty", "linspace")
    saved = {n: getattr(torch, n) for n in names}

    def on_meta(fn):
        @functools.wraps(fn)
        def wrapped(*a, **k):
            k.setdefault("device", "meta")
            return fn(*a, **k)

        return wrapped

    try:
        for n, fn in saved.items():
            setattr(torch, n, on_meta(fn))
        yield
    finally:
        for n, fn in saved.items():
            setattr(torch, n, fn)


def unet_call_flops(unet, batch: int, frames: int, height: int, width: int, tokens: int = 77) -> Dict[str, int]:
    """FLOPs of one UNet graph call (UNetGraph forward) at latent size height×width; `unet` is moved
    to the meta device (its weights are gone afterwards)."""
    from ..unet3d.model import UNetGraph

    graph = UNetGraph(unet.to("meta"), False).eval()
    cfg = unet.config
    example = [
        torch.empty(batch, cfg["in_channels"], frames, height, width, device="meta"),
        torch.tensor([999.0], device="meta"),
        torch.empty(batch, tokens, cfg["cross_attention_dim"], device="meta"),
        torch.arange(frames, device="meta"),
    ]
    with torch.no_grad(), _factories_on_meta(), FlopCounter() as counter:
        graph(*example)
    return counter.flops


def strip_weights(model: onnx.ModelProto, data_name: str) -> List[dict]:
    """In place: every float initializer of INLINE_BYTES or more becomes external data of
    `data_name` (not written) at an aligned offset; returns [{name, offset, length, dtype}]."""
    ranges, offset = [], 0
    for t in model.graph.initializer:
        n = tensor_bytes(t)
        if t.data_type not in (TensorProto.FLOAT, TensorProto.FLOAT16) or n < INLINE_BYTES:
            continue
        offset = -(-offset // ALIGN) * ALIGN
        t.ClearField("raw_data")
        t.ClearField("float_data")
        t.ClearField("int32_data")
        del t.external_data[:]
        t.data_location = TensorProto.EXTERNAL
        for key, value in (("location", data_name), ("offset", str(offset)), ("length", str(n))):
            e = t.external_data.add()
            e.key, e.value = key, value
        ranges.append({"name": t.name, "offset": offset, "length": n, "dtype": "float16" if t.data_type == TensorProto.FLOAT16 else "float32"})
        offset += n
    return ranges


def main(argv=None) -> int:
    from ..common import read_json
    from ..presets import config_path
    from ..init_weights import init_random_
    from ..unet3d import UNet3DConditionModel
    from .sizes import full_musev_unet_config

    ap = argparse.ArgumentParser(prog="musev_export.optimize.bench_graph", description=__doc__)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tiny", action="store_true", help="the tiny config (tests)")
    ap.add_argument("--width", type=int, default=512)
    ap.add_argument("--height", type=int, default=320)
    ap.add_argument("--frames", type=int, default=13, help="UNet input frames (window + condition frame)")
    ap.add_argument("--batch", type=int, default=2, help="2 = CFG halves together")
    ap.add_argument("--dtype", default="fp16", choices=("fp16", "fp32"), help="fp32: for adapters without shader-f16")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = read_json(config_path("musev_unet")) if args.tiny else full_musev_unet_config()
    with torch.no_grad():  # seeded random values everywhere: torch would merge equal initializers (zero-initialized temporal convs)
        unet = init_random_(UNet3DConditionModel(cfg).eval(), 1003)
    params = sum(p.numel() for p in unet.parameters())
    with tempfile.TemporaryDirectory(prefix="bench-unet-") as tmp:
        onnx_path, _ = export_graph(unet_export(unet), tmp)
        model = onnx.load(str(onnx_path), load_external_data=True)
    report = optimize_graph(model, OptimizeOptions(dtype=args.dtype, attention="mha"))
    ranges = strip_weights(model, "unet.onnx.data")
    onnx.save_model(model, str(out / "unet.onnx"))
    shape = {"batch": args.batch, "frames": args.frames, "latent_height": args.height // 8, "latent_width": args.width // 8, "tokens": 77}
    flops = unet_call_flops(unet, shape["batch"], shape["frames"], shape["latent_height"], shape["latent_width"])
    (out / "unet.weights.json").write_text(json.dumps({"file": "unet.onnx.data", "bytes": ranges[-1]["offset"] + ranges[-1]["length"], "ranges": ranges}))
    (out / "unet.flops.json").write_text(json.dumps({
        "config": "tiny" if args.tiny else "SD1.5 widths (sizes.full_musev_unet_config)", "params": params,
        "dtype": args.dtype, "inputs": {**shape, "cross_attention_dim": cfg["cross_attention_dim"]},
        "flops": flops, "total": sum(flops.values()), "optimize": {k: v for k, v in report.items()},
    }, indent=1))
    print(f"params {params:,}; {len(ranges)} weight ranges, {sum(r['length'] for r in ranges) / 1e9:.2f} GB left out; "
          f"{sum(flops.values()) / 1e12:.2f} TFLOP per call at {shape}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
