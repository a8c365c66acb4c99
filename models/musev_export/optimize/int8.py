"""Weight-only int8 quantization of linear layers (MatMul / Gemm with a constant 2-D weight).

Per output channel, symmetric: scale[n] = max|W[:, n]| / 127 (1 where a channel is all zero),
q = clip(round(W / scale), -127, 127) as int8, zero point 0. The weight becomes

    DequantizeLinear(q int8, scale float32, zero_point int8, axis=<output-channel axis>)
    [-> Cast(float16) when the weight was fp16]

(opset 17: DequantizeLinear takes float32 scales only, hence the Cast in fp16 graphs). The
activations and the MatMul itself keep their precision; only the stored weights shrink (int8
plus 4 bytes per output channel). Convolutions and embedding tables are left alone. A weight
shared by several nodes is quantized once when every use has the same output-channel axis.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Tuple

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .graph import FLOAT, FLOAT16, Names, attr, producers, remove_dead, toposort


@dataclass
class Int8Report:
    quantized_weights: int = 0
    quantized_nodes: int = 0
    skipped: Dict[str, int] = field(default_factory=dict)
    bytes_before: int = 0
    bytes_after: int = 0
    max_abs_weight_error: float = 0.0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def quantize_weights(w: np.ndarray, axis: int) -> Tuple[np.ndarray, np.ndarray]:
    """(int8 q, float32 scale) with w ~= q * scale along `axis` (the output channels)."""
    w = np.asarray(w, dtype=np.float32)
    reduce = 1 - axis
    amax = np.abs(w).max(axis=reduce)
    scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    shape = [1, 1]
    shape[axis] = -1
    q = np.clip(np.rint(w / scale.reshape(shape)), -127, 127).astype(np.int8)
    return q, scale


def quantize_int8(model: onnx.ModelProto, min_elements: int = 0) -> Int8Report:
    g = model.graph
    report = Int8Report()
    inits = {i.name: i for i in g.initializer}
    prods = producers(g.node)
    names = Names(model)

    def weight_of(node: onnx.NodeProto):
        """(initializer name, output-channel axis) of a linear node's weight, or a skip reason."""
        if node.op_type not in ("MatMul", "Gemm") or len(node.input) < 2:
            return None
        name = node.input[1]
        src = prods.get(name)
        while src is not None and src.op_type == "Identity":  # torch's de-duplicated weights
            name = src.input[0]
            src = prods.get(name)
        if name not in inits:
            return None
        t = inits[name]
        if t.data_type not in (FLOAT, FLOAT16) or len(t.dims) != 2:
            return "weight is not a 2-D float constant"
        if node.op_type == "Gemm":
            if attr(node, "transA", 0):
                return "Gemm with transA"
            return name, 0 if attr(node, "transB", 0) else 1
        return name, 1

    uses: Dict[str, List[Tuple[onnx.NodeProto, int]]] = {}
    for node in g.node:
        w = weight_of(node)
        if w is None:
            continue
        if isinstance(w, str):
            report.skipped[w] = report.skipped.get(w, 0) + 1
            continue
        uses.setdefault(w[0], []).append((node, w[1]))

    new_nodes: Dict[int, List[onnx.NodeProto]] = {}
    order = {id(n): k for k, n in enumerate(g.node)}
    for name, users in uses.items():
        axes = {a for _, a in users}
        if len(axes) != 1:
            report.skipped["weight used with different output axes"] = report.skipped.get("weight used with different output axes", 0) + 1
            continue
        axis = axes.pop()
        t = inits[name]
        w = numpy_helper.to_array(t)
        if w.size < min_elements:
            report.skipped["smaller than min_elements"] = report.skipped.get("smaller than min_elements", 0) + 1
            continue
        q, scale = quantize_weights(w, axis)
        shape = [1, 1]
        shape[axis] = -1
        err = float(np.abs(q.astype(np.float32) * scale.reshape(shape) - w.astype(np.float32)).max())
        report.max_abs_weight_error = max(report.max_abs_weight_error, err)
        qn, sn, zn = names.new(f"{name}_int8"), names.new(f"{name}_scale"), names.new(f"{name}_zero_point")
        g.initializer.extend([
            numpy_helper.from_array(q, qn),
            numpy_helper.from_array(scale, sn),
            numpy_helper.from_array(np.zeros(scale.shape, dtype=np.int8), zn),
        ])
        deq = names.new(f"{name}_dequantized")
        nodes = [helper.make_node("DequantizeLinear", [qn, sn, zn], [deq], name=names.new(f"{deq}/DequantizeLinear"), axis=axis)]
        out = deq
        if t.data_type == FLOAT16:
            out = names.new(f"{name}_dequantized_fp16")
            nodes.append(helper.make_node("Cast", [deq], [out], name=names.new(f"{out}/Cast"), to=FLOAT16))
        first = min(users, key=lambda u: order[id(u[0])])[0]
        new_nodes.setdefault(id(first), []).extend(nodes)
        for node, _ in users:
            node.input[1] = out
            report.quantized_nodes += 1
        report.quantized_weights += 1
        report.bytes_before += w.size * w.dtype.itemsize
        report.bytes_after += q.size + scale.size * 5

    if report.quantized_weights:
        ordered = []
        for node in g.node:
            ordered.extend(new_nodes.get(id(node), []))
            ordered.append(node)
        del g.node[:]
        g.node.extend(ordered)
        remove_dead(model)
        toposort(model)
    return report
