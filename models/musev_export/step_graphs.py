"""Pack-independent ONNX graphs for the GPU-resident denoising loop (src/runtime/residentLoop.ts).

They do, on the GPU, what src/pipeline/denoise.ts does on the CPU between UNet calls, so the latents
never leave the GPU during a shot. All dims are symbolic; every graph is float32, opset 17.

Notation (denoise.ts): L latents (1, C, N, h, w); C0 condition latent (1, C, 1, h, w); k windows of
n frames in one UNet call; B halves (2 with CFG: [uncond, cond]); T = 1 + n with a condition frame.

  window_input         L, idx int64 (k, n), d (1) = sqrt(sigma^2 + 1), cond (1, C, 1, h, w),
                       reps int64 (6) = [1, B, 1, 1, 1, 1]
                       -> sample (k*B, C, 1 + n, h, w): for each window, concat_t(cond, L[:, :, idx]/d)
                          repeated B times ([w1 halves; w2 halves; ...], unetBatch.ts's order)
  window_input_nocond  the same without cond (first frame, T = n)
  accumulate           acc (B, C, N, h*w), eps (k*b, C, T, h, w), select (k*T, N) 0/1,
                       split int64 (5) = [k, b, C, T, h*w], half (B, 1, 1, 1)
                       -> acc + half * (eps frames summed into L's frames by `select`)
                          (b = B with the halves together; b = 1 and half one-hot apart)
  euler_cfg            acc (B, C, N, h*w), count (1, 1, N, 1), L, g (1), sigma (1), dt (1)
                       -> L': eps = acc / count; e = eps_u + g (eps_c - eps_u); x0 = L - sigma e;
                          d = (L - x0) / sigma; L' = L + d dt   (B = 1: eps_c = eps_u, e = eps)

Run: /usr/bin/python3 -m musev_export.step_graphs [out_dir]   (from models/; default ../public/graphs)
"""
from __future__ import annotations

import hashlib
import os
import sys

import onnx
from onnx import TensorProto, helper as oh

OPSET = 17
F, I64 = TensorProto.FLOAT, TensorProto.INT64


def _const(name: str, values: list[int]) -> onnx.NodeProto:
    return oh.make_node("Constant", [], [name], value=oh.make_tensor(name, I64, [len(values)], values))


def _model(nodes, inputs, outputs, name: str) -> onnx.ModelProto:
    graph = oh.make_graph(nodes, name, inputs, outputs)
    model = oh.make_model(graph, opset_imports=[oh.make_opsetid("", OPSET)], producer_name="musev_export.step_graphs")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model


def window_input(with_cond: bool) -> onnx.ModelProto:
    x = lambda n, s: oh.make_tensor_value_info(n, F, s)  # noqa: E731
    inputs = [
        x("latents", [1, "C", "N", "h", "w"]),
        oh.make_tensor_value_info("idx", I64, ["k", "n"]),
        x("d", [1]),
        oh.make_tensor_value_info("reps", I64, [6]),
    ]
    nodes = [
        oh.make_node("Gather", ["latents", "idx"], ["g"], axis=2),  # (1, C, k, n, h, w)
        oh.make_node("Div", ["g", "d"], ["gs"]),
        oh.make_node("Transpose", ["gs"], ["win"], perm=[2, 0, 1, 3, 4, 5]),  # (k, 1, C, n, h, w)
    ]
    frames = "win"
    if with_cond:
        inputs.append(x("cond", [1, "C", 1, "h", "w"]))
        nodes += [
            _const("ax0", [0]),
            oh.make_node("Unsqueeze", ["cond", "ax0"], ["c6"]),  # (1, 1, C, 1, h, w)
            oh.make_node("Shape", ["idx"], ["idx_shape"]),
            oh.make_node("Slice", ["idx_shape", "ax0", "one"], ["k"]),
            _const("one", [1]),
            _const("ones5", [1, 1, 1, 1, 1]),
            oh.make_node("Concat", ["k", "ones5"], ["creps"], axis=0),
            oh.make_node("Tile", ["c6", "creps"], ["ck"]),  # (k, 1, C, 1, h, w)
            oh.make_node("Concat", ["ck", "win"], ["cat"], axis=3),  # (k, 1, C, 1 + n, h, w)
        ]
        frames = "cat"
    nodes += [
        oh.make_node("Tile", [frames, "reps"], ["tiled"]),  # (k, B, C, T, h, w)
        oh.make_node("Shape", ["tiled"], ["tshape"]),
        _const("from2", [2]),
        _const("to6", [6]),
        oh.make_node("Slice", ["tshape", "from2", "to6"], ["rest"]),
        _const("minus1", [-1]),
        oh.make_node("Concat", ["minus1", "rest"], ["oshape"], axis=0),
        oh.make_node("Reshape", ["tiled", "oshape"], ["sample"]),
    ]
    # Constants must precede their users for a topologically sorted graph.
    nodes = sorted(nodes, key=lambda n: 0 if n.op_type == "Constant" else 1)
    out = [x("sample", ["kB", "C", "T", "h", "w"])]
    return _model(nodes, inputs, out, "window_input" if with_cond else "window_input_nocond")


def accumulate() -> onnx.ModelProto:
    x = lambda n, s: oh.make_tensor_value_info(n, F, s)  # noqa: E731
    inputs = [
        x("acc", ["B", "C", "N", "hw"]),
        x("eps", ["kb", "C", "T", "h", "w"]),
        x("select", ["kT", "N"]),
        oh.make_tensor_value_info("split", I64, [5]),
        x("half", ["B", 1, 1, 1]),
    ]
    nodes = [
        oh.make_node("Reshape", ["eps", "split"], ["e5"]),  # (k, b, C, T, hw)
        oh.make_node("Transpose", ["e5"], ["et"], perm=[1, 2, 4, 0, 3]),  # (b, C, hw, k, T)
        oh.make_node("Shape", ["et"], ["es"]),
        _const("from0", [0]),
        _const("to3", [3]),
        oh.make_node("Slice", ["es", "from0", "to3"], ["lead"]),
        _const("minus1", [-1]),
        oh.make_node("Concat", ["lead", "minus1"], ["mshape"], axis=0),
        oh.make_node("Reshape", ["et", "mshape"], ["em"]),  # (b, C, hw, k*T)
        oh.make_node("MatMul", ["em", "select"], ["summed"]),  # (b, C, hw, N)
        oh.make_node("Transpose", ["summed"], ["y"], perm=[0, 1, 3, 2]),  # (b, C, N, hw)
        oh.make_node("Mul", ["half", "y"], ["masked"]),
        oh.make_node("Add", ["acc", "masked"], ["acc_out"]),
    ]
    nodes = sorted(nodes, key=lambda n: 0 if n.op_type == "Constant" else 1)
    return _model(nodes, inputs, [x("acc_out", ["B", "C", "N", "hw"])], "accumulate")


def euler_cfg() -> onnx.ModelProto:
    x = lambda n, s: oh.make_tensor_value_info(n, F, s)  # noqa: E731
    inputs = [
        x("acc", ["B", "C", "N", "hw"]),
        x("count", [1, 1, "N", 1]),
        x("latents", [1, "C", "N", "h", "w"]),
        x("g", [1]),
        x("sigma", [1]),
        x("dt", [1]),
    ]
    nodes = [
        _const("ax0", [0]),
        _const("zero", [0]),
        _const("one", [1]),
        _const("minus1", [-1]),
        _const("big", [2**62]),
        oh.make_node("Div", ["acc", "count"], ["eps"]),
        oh.make_node("Slice", ["eps", "zero", "one", "ax0"], ["u"]),
        oh.make_node("Slice", ["eps", "minus1", "big", "ax0"], ["c"]),
        oh.make_node("Sub", ["c", "u"], ["cu"]),
        oh.make_node("Mul", ["g", "cu"], ["gcu"]),
        oh.make_node("Add", ["u", "gcu"], ["e4"]),
        oh.make_node("Shape", ["latents"], ["lshape"]),
        oh.make_node("Reshape", ["e4", "lshape"], ["e"]),
        oh.make_node("Mul", ["sigma", "e"], ["se"]),
        oh.make_node("Sub", ["latents", "se"], ["x0"]),
        oh.make_node("Sub", ["latents", "x0"], ["diff"]),
        oh.make_node("Div", ["diff", "sigma"], ["deriv"]),
        oh.make_node("Mul", ["deriv", "dt"], ["delta"]),
        oh.make_node("Add", ["latents", "delta"], ["latents_out"]),
    ]
    return _model(nodes, inputs, [x("latents_out", [1, "C", "N", "h", "w"])], "euler_cfg")


GRAPHS = {
    "window_input": lambda: window_input(True),
    "window_input_nocond": lambda: window_input(False),
    "accumulate": accumulate,
    "euler_cfg": euler_cfg,
}


def write_all(out_dir: str) -> dict[str, str]:
    """Writes every graph as <name>.onnx; returns name -> sha256 hex."""
    os.makedirs(out_dir, exist_ok=True)
    hashes = {}
    for name, build in GRAPHS.items():
        data = build().SerializeToString()
        with open(os.path.join(out_dir, f"{name}.onnx"), "wb") as f:
            f.write(data)
        hashes[name] = hashlib.sha256(data).hexdigest()
    return hashes


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "public", "graphs")
    for name, digest in write_all(out).items():
        print(f"{name} {digest}")
