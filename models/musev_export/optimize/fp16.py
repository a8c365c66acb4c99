"""fp32 -> fp16 conversion of an exported graph, with the numerically fragile ops kept in fp32.

Rules (one pass in topological order; every float tensor gets a *state*):

- graph inputs stay float32 (the manifest's I/O contract does not change: casts sit at the
  boundary, so the TypeScript side feeds and reads float32 for every pack);
- `KEEP_FP32` ops (LayerNormalization, InstanceNormalization = torch 1.13's GroupNorm, Softmax)
  run in fp32: their float inputs are cast up, their outputs are cast back down by the next fp16
  consumer;
- weight ops (MatMul/Gemm/Conv with a constant operand, Gather on an embedding table) run in
  fp16: this is where the fp32 input chain ends;
- other ops run in fp16 as soon as one float data input is "compute" (fp16, or the output of a
  KEEP_FP32 op); ops fed only by graph inputs and constants stay fp32. That keeps the timestep and
  frame-index sinusoids (t up to 999 rad: fp16 would round t to 0.5) in fp32 up to `linear_1`, as
  diffusers computes them;
- constants (initializers, Constant nodes) are neutral: an fp16 copy is made for fp16 consumers,
  the fp32 original stays for fp32 consumers (LayerNorm/InstanceNorm scale and bias stay fp32);
  values beyond the fp16 range are clamped to +-65504 (infinities kept) and counted;
- graph outputs that end up fp16 get a final Cast to float32 under their own name.

Float inputs that must stay float32 whatever the data type (Resize roi/scales,
DequantizeLinear scales at opset 17) are never touched. `Cast(to=FLOAT)` of a compute tensor
becomes `Cast(to=FLOAT16)`. Stale `value_info` entries are dropped (onnxruntime re-infers).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Set

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .graph import FLOAT, FLOAT16, INT64, Names, attr, remove_dead, toposort

KEEP_FP32 = frozenset({"LayerNormalization", "InstanceNormalization", "Softmax", "GroupNormalization", "SkipLayerNormalization"})
WEIGHT_OPS = frozenset({"MatMul", "Gemm", "Conv", "ConvTranspose"})
FP16_MAX = 65504.0

# Float inputs that are not data (their dtype is fixed whatever the data's dtype).
FIXED_FLOAT_INPUTS = {"Resize": {1, 2}, "DequantizeLinear": {0, 1, 2}, "QuantizeLinear": {0, 1, 2}}
# Output dtype rules for the ops our exports contain (default: the first typed input's dtype).
INT64_OUT = {"Shape", "Size", "NonZero", "ArgMax", "ArgMin"}
BOOL_OUT = {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Xor", "IsNaN", "IsInf"}


@dataclass
class Fp16Report:
    fp16_nodes: int = 0
    fp32_nodes: int = 0
    kept_fp32: Dict[str, int] = field(default_factory=dict)
    casts_added: int = 0
    clamped_values: int = 0
    fp16_weight_bytes: int = 0
    fp32_weight_bytes: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _elem_types(model: onnx.ModelProto) -> Dict[str, int]:
    g = model.graph
    types: Dict[str, int] = {}
    for v in list(g.input) + list(g.output) + list(g.value_info):
        if v.type.tensor_type.elem_type:
            types[v.name] = v.type.tensor_type.elem_type
    for i in g.initializer:
        types[i.name] = i.data_type
    for n in g.node:
        op = n.op_type
        ins = [types.get(i) for i in n.input if i]
        if op == "Constant":
            t = attr(n, "value")
            out = t.data_type if t is not None else FLOAT
            if attr(n, "value_float") is not None or attr(n, "value_floats") is not None:
                out = FLOAT
            elif attr(n, "value_int") is not None or attr(n, "value_ints") is not None:
                out = INT64
        elif op == "Cast":
            out = attr(n, "to")
        elif op == "CastLike":
            out = ins[1]
        elif op in INT64_OUT:
            out = INT64
        elif op in BOOL_OUT:
            out = TensorProto.BOOL
        elif op == "ConstantOfShape":
            t = attr(n, "value")
            out = t.data_type if t is not None else FLOAT
        elif op == "Where":
            out = ins[1]
        elif op == "DequantizeLinear":
            out = FLOAT
        else:
            out = next((t for t in ins if t), None)
        for o in n.output:
            if o and out is not None and o not in types:
                types[o] = out
    return types


def _to_fp16(arr: np.ndarray, report: Fp16Report) -> np.ndarray:
    a = np.asarray(arr, dtype=np.float32)
    finite = np.isfinite(a)
    over = finite & (np.abs(a) > FP16_MAX)
    if over.any():
        report.clamped_values += int(over.sum())
        a = np.where(over, np.sign(a) * FP16_MAX, a)
    return a.astype(np.float16)


def convert_to_fp16(model: onnx.ModelProto, keep_fp32: Sequence[str] = tuple(KEEP_FP32)) -> Fp16Report:
    """Convert `model` (weights loaded) in place; returns what was done."""
    keep = set(keep_fp32)
    g = model.graph
    for n in g.node:
        for a in n.attribute:
            if a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS):
                raise ValueError(f"{n.op_type} {n.name}: subgraphs are not supported by the fp16 pass")
    types = _elem_types(model)
    inits = {i.name: i for i in g.initializer}
    const_nodes = {n.output[0]: n for n in g.node if n.op_type == "Constant"}
    graph_inputs = {v.name for v in g.input}
    names = Names(model)
    report = Fp16Report()

    # state of each float tensor: "const" (neutral), "src" (fp32 chain from graph inputs),
    # "f32" (fp32 output of a KEEP op: compute), "f16" (fp16 compute)
    state: Dict[str, str] = {}
    for name in graph_inputs:
        if types.get(name) == FLOAT:
            state[name] = "src"
    for name, t in inits.items():
        if t.data_type == FLOAT:
            state[name] = "const"
    for name, n in const_nodes.items():
        if types.get(name) == FLOAT:
            state[name] = "const"

    new_nodes: List[onnx.NodeProto] = []
    casts: Dict[tuple, str] = {}
    const16: Dict[str, str] = {}

    def cast(name: str, to: int) -> str:
        key = (name, to)
        if key not in casts:
            out = names.new(f"{name}/{'fp16' if to == FLOAT16 else 'fp32'}")
            new_nodes.append(helper.make_node("Cast", [name], [out], name=names.new(f"{out}/Cast"), to=to))
            report.casts_added += 1
            casts[key] = out
        return casts[key]

    alias: Dict[str, str] = {}

    def const_fp16(name: str) -> str:
        name = alias.get(name, name)
        if name not in const16:
            if name in inits:
                arr = numpy_helper.to_array(inits[name])
                out = names.new(f"{name}_fp16")
                g.initializer.append(numpy_helper.from_array(_to_fp16(arr, report), out))
            else:
                arr = numpy_helper.to_array(attr(const_nodes[name], "value"))
                out = names.new(f"{name}_fp16")
                new_nodes.append(helper.make_node("Constant", [], [out], name=names.new(f"{out}/Constant"),
                                                  value=numpy_helper.from_array(_to_fp16(arr, report), out)))
            const16[name] = out
        return const16[name]

    for node in list(g.node):
        op = node.op_type
        if op == "Constant":
            new_nodes.append(node)
            continue
        if op == "Identity" and state.get(node.input[0]) == "const":
            # torch's de-duplicated weights: the alias stays a constant (fp32 users keep the node)
            alias[node.output[0]] = alias.get(node.input[0], node.input[0])
            state[node.output[0]] = "const"
            new_nodes.append(node)
            continue
        fixed = FIXED_FLOAT_INPUTS.get(op, set())
        data_idx = [k for k, i in enumerate(node.input) if i and k not in fixed and i in state]
        out_float = [o for o in node.output if o and types.get(o) == FLOAT]

        if op == "Cast":
            src = node.input[0]
            if attr(node, "to") == FLOAT and state.get(src) in ("f16", "f32"):
                prec = state[src]
                if prec == "f16":
                    for a in node.attribute:
                        if a.name == "to":
                            a.i = FLOAT16
            elif attr(node, "to") == FLOAT:
                prec = "src"  # int -> float, or a cast of an fp32 input-chain tensor
            else:
                prec = None
            for o in out_float:
                state[o] = prec or "src"
            if prec == "f16":
                report.fp16_nodes += 1
            else:
                report.fp32_nodes += 1
            new_nodes.append(node)
            continue

        has_const_operand = any(state.get(node.input[k]) == "const" for k in data_idx)
        if op in keep:
            prec = "f32"
        elif (op in WEIGHT_OPS and has_const_operand) or (op == "Gather" and state.get(node.input[0]) == "const"):
            prec = "f16"
        elif not data_idx:
            prec = None
        elif any(state[node.input[k]] in ("f16", "f32") for k in data_idx):
            prec = "f16"
        else:
            prec = "src"

        if prec is not None:
            for k in data_idx:
                name = node.input[k]
                s = state[name]
                if prec == "f16":
                    if s == "const":
                        node.input[k] = const_fp16(name)
                    elif s in ("src", "f32"):
                        node.input[k] = cast(name, FLOAT16)
                else:
                    if s == "f16":
                        node.input[k] = cast(name, FLOAT)
        for o in out_float:
            state[o] = {"f16": "f16", "f32": "f32", "src": "src", None: "src"}[prec]
        if prec == "f16":
            report.fp16_nodes += 1
            for o in out_float:
                types[o] = FLOAT16
        else:
            report.fp32_nodes += 1
            if prec == "f32":
                report.kept_fp32[op] = report.kept_fp32.get(op, 0) + 1
        new_nodes.append(node)

    # graph outputs keep float32: cast fp16 results under the output's own name
    for out in g.output:
        if out.type.tensor_type.elem_type == FLOAT and state.get(out.name) == "f16":
            inner = names.new(f"{out.name}/fp16")
            for n in new_nodes:
                for k, i in enumerate(n.input):
                    if i == out.name:
                        n.input[k] = inner
                for k, o in enumerate(n.output):
                    if o == out.name:
                        n.output[k] = inner
            new_nodes.append(helper.make_node("Cast", [inner], [out.name], name=names.new(f"{out.name}/Cast"), to=FLOAT))
            report.casts_added += 1

    del g.node[:]
    g.node.extend(new_nodes)
    del g.value_info[:]
    remove_dead(model)
    toposort(model)
    for i in g.initializer:
        n = int(np.prod(i.dims)) if len(i.dims) else 1
        if i.data_type == FLOAT16:
            report.fp16_weight_bytes += 2 * n
        elif i.data_type == FLOAT:
            report.fp32_weight_bytes += 4 * n
    return report
