"""Splits a graph whose weights exceed one session's limit into K consecutive parts (K minimal).

The browser holds each graph in one onnxruntime session, and a session can hold about 4 GB of
weights; the fp32 SD1.5 UNet has 5.68 GB. `plan_split` cuts the topologically sorted nodes into
K runs, `split_model` builds one valid ONNX model per run:

- "free" nodes (Constant, and nodes that read only initializers / free values, e.g. torch's
  Identity of a shared weight) are copied into every part that reads them, so weights and
  constants never cross a cut; each part counts the weights it reads (copies included);
- a cut tensor is a value made in an earlier part and read by a later one; a part's inputs are the
  original graph inputs it reads (graph order) + the cut tensors it reads (in the order they were
  made); its outputs are the cut tensors later parts read + the original outputs it makes;
- cut tensors get a ValueInfo with the element type and rank onnx's shape inference finds (named
  dims kept where it finds them, other dims unknown: batch, frames and sizes stay dynamic); a cut
  point across a tensor of unknown type or rank is never chosen.

Choosing the cuts (worked example, 2 parts of a 5.68 GB UNet, limit 4.29 GB): the weights are
summed along the node order (each initializer counted at its first reader); cut k aims at the point
where the remaining weights split evenly (2.84 GB) and may move up to 10 % of a part's share
(±0.28 GB) towards the point where the fewest tensors cross (a UNet's skip connections make most
points expensive); every part must stay under the limit, else K grows by one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Set

import onnx
from onnx import TensorProto, helper, shape_inference

from .external import MIB, SessionTooLarge
from .graph import attr, tensor_bytes, toposort, weight_bytes

BALANCE_SLACK = 0.10  # a cut may move this share of a part's weights to cross fewer tensors
SMALL_INIT = 1024  # initializers up to this size keep their values for shape inference
CONCRETE_DIM = 16  # dynamic dims for the rank inference (not 1: no size-1 dims that could be squeezed)


class SplitError(SessionTooLarge):
    pass


@dataclass
class SplitPlan:
    starts: List[int]  # position (in the non-free node order) where each part begins; starts[0] == 0
    part_bytes: List[int]  # weights each part reads (shared initializers counted in every part)
    crossing: List[int]  # tensors crossing each cut (len K - 1)


@dataclass
class Part:
    model: onnx.ModelProto
    inputs: List[str]
    outputs: List[str]
    weight_bytes: int


class _Graph:
    """Node order, free nodes, weight dependencies and value lifetimes of one graph."""

    def __init__(self, model: onnx.ModelProto):
        toposort(model)
        g = model.graph
        if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) for n in g.node for a in n.attribute):
            raise SplitError(f"{g.name}: graphs with subgraphs (If / Loop / Scan) cannot be split")
        self.model = model
        self.inits: Dict[str, TensorProto] = {t.name: t for t in g.initializer}
        self.graph_inputs = [v.name for v in g.input if v.name not in self.inits]
        self.graph_outputs = [v.name for v in g.output]
        free_values: Set[str] = set(self.inits)
        self.free: List[onnx.NodeProto] = []
        self.seq: List[onnx.NodeProto] = []
        for n in g.node:
            if all(i == "" or i in free_values for i in n.input) and n.op_type not in ("RandomNormal", "RandomUniform"):
                self.free.append(n)
                free_values.update(o for o in n.output if o)
            else:
                self.seq.append(n)
        for o in self.graph_outputs:
            if o in free_values or o in self.graph_inputs:
                raise SplitError(f"{g.name}: output {o} is a constant or an input; such graphs are not split")
        # weights (initializer names and free-node indices) each free value stands for
        closure: Dict[str, frozenset] = {}
        for k, n in enumerate(self.free):
            deps: Set[object] = {k}
            for i in n.input:
                if i in self.inits:
                    deps.add(i)
                elif i in closure:
                    deps |= closure[i]
            for o in n.output:
                closure[o] = frozenset(deps)
        self.free_bytes = [self._const_bytes(n) for n in self.free]
        self.deps: List[frozenset] = []
        for n in self.seq:
            deps = set()
            for i in n.input:
                if i in self.inits:
                    deps.add(i)
                elif i in closure:
                    deps |= closure[i]
            self.deps.append(frozenset(deps))
        self.pos = {o: p for p, n in enumerate(self.seq) for o in n.output if o}
        self.last_use: Dict[str, int] = {}
        for p, n in enumerate(self.seq):
            for i in n.input:
                if i in self.pos:
                    self.last_use[i] = p

    @staticmethod
    def _const_bytes(n: onnx.NodeProto) -> int:
        t = attr(n, "value") if n.op_type == "Constant" else None
        return tensor_bytes(t) if t is not None else 0

    def dep_bytes(self, d) -> int:
        return tensor_bytes(self.inits[d]) if isinstance(d, str) else self.free_bytes[d]

    def bytes_of(self, a: int, b: int) -> int:
        deps: Set[object] = set()
        for p in range(a, b):
            deps |= self.deps[p]
        return sum(self.dep_bytes(d) for d in deps)


def _infer(model: onnx.ModelProto, concrete: bool) -> Dict[str, onnx.ValueInfoProto]:
    g = model.graph
    small = [t for t in g.initializer if tensor_bytes(t) <= SMALL_INIT and t.data_location != TensorProto.EXTERNAL]
    kept = {t.name for t in small}
    init_names = {t.name for t in g.initializer}
    graph_inputs = [v for v in g.input if v.name not in init_names]
    inputs = [onnx.ValueInfoProto() for _ in graph_inputs]
    for v, src in zip(inputs, graph_inputs):
        v.CopyFrom(src)
        for d in v.type.tensor_type.shape.dim:
            if concrete and not d.HasField("dim_value"):
                d.dim_value = CONCRETE_DIM
    inputs += [helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in g.initializer if t.name not in kept]
    light = helper.make_graph(list(g.node), g.name, inputs, list(g.output), small)
    m = helper.make_model(light, opset_imports=list(model.opset_import), ir_version=model.ir_version)
    try:
        inferred = shape_inference.infer_shapes(m, data_prop=concrete)
    except Exception:  # noqa: BLE001 - then no cut is made between these values
        return {}
    return {v.name: v for v in inferred.graph.value_info if v.type.tensor_type.elem_type}


def _inferred_types(model: onnx.ModelProto) -> Dict[str, onnx.ValueInfoProto]:
    """Element type and shape of the graph's values, for the cut tensors' ValueInfo. Shape inference
    runs on a weightless copy (large initializers become typed inputs: any graph size fits
    protobuf's 2 GB), twice: with the symbolic input dims (named dims; the inference's own `unk__N`
    dims are left unknown) and with every dynamic dim set to CONCRETE_DIM and data propagation,
    which finds the rank of the many values behind Shape->Concat->Reshape chains (their dims are
    then left unknown). Values with no rank are left out: onnx's checker wants a shape on every
    graph input/output, so a cut is never made across them."""
    symbolic, concrete = _infer(model, False), _infer(model, True)
    out = {}
    for name, v in concrete.items():
        if not v.type.tensor_type.HasField("shape"):
            continue
        rank = len(v.type.tensor_type.shape.dim)
        s = symbolic.get(name)
        if s is not None and s.type.tensor_type.HasField("shape") and len(s.type.tensor_type.shape.dim) == rank:
            v = s
            for d in v.type.tensor_type.shape.dim:
                if d.dim_param.startswith("unk__"):
                    d.ClearField("dim_param")
        else:
            v = helper.make_tensor_value_info(name, v.type.tensor_type.elem_type, [None] * rank)
        out[name] = v
    return out


def _crossing(gr: _Graph, typed: Set[str]) -> List[float]:
    """crossing[c] = tensors made before position c and read at or after it (inf if one is untyped)."""
    n = len(gr.seq)
    count = [0] * (n + 2)
    untyped = [0] * (n + 2)
    for v, p in gr.pos.items():
        last = gr.last_use.get(v, p)
        if last > p:
            count[p + 1] += 1
            count[last + 1] -= 1
            if v not in typed:
                untyped[p + 1] += 1
                untyped[last + 1] -= 1
    out, run, bad = [], 0, 0
    for c in range(n + 1):
        run += count[c]
        bad += untyped[c]
        out.append(float("inf") if bad else float(run))
    return out


def plan_split(model: onnx.ModelProto, limit: int, name: str = "graph",
               types: Optional[Dict[str, onnx.ValueInfoProto]] = None, _gr: Optional[_Graph] = None) -> SplitPlan:
    """The cut points for the fewest parts whose weights each stay <= limit; raises SplitError when
    one initializer (or the weights one node reads) alone is over the limit."""
    gr = _gr or _Graph(model)
    for t in gr.inits.values():
        if tensor_bytes(t) > limit:
            raise SplitError(
                f"{name}: initializer {t.name} alone has {tensor_bytes(t):,} bytes, more than the {limit / MIB:,.1f} MiB "
                "one session may hold, so no split can fit it; export with --dtype fp16 / --quantize int8 or raise --max-session-mb")
    for p, n in enumerate(gr.seq):
        if gr.bytes_of(p, p + 1) > limit:
            raise SplitError(f"{name}: node {n.name or n.op_type} alone reads {gr.bytes_of(p, p + 1):,} bytes of weights, "
                             f"more than the {limit / MIB:,.1f} MiB one session may hold; raise --max-session-mb or shrink the weights")
    types = _inferred_types(model) if types is None else types
    cross = _crossing(gr, set(types))
    first_seen: Set[object] = set()
    cum = [0]
    for deps in gr.deps:
        new = deps - first_seen
        first_seen |= new
        cum.append(cum[-1] + sum(gr.dep_bytes(d) for d in new))
    total, n = cum[-1], len(gr.seq)
    k_parts = max(1, -(-total // limit))
    while k_parts <= n:
        starts = _choose(cum, cross, k_parts, limit)
        if starts is not None:
            bounds = starts + [n]
            sizes = [gr.bytes_of(a, b) for a, b in zip(bounds, bounds[1:])]
            if all(s <= limit for s in sizes):
                return SplitPlan(starts, sizes, [int(cross[c]) for c in starts[1:]])
        k_parts += 1
    raise SplitError(f"{name}: found no cut into parts of at most {limit / MIB:,.1f} MiB")


def _choose(cum: List[int], cross: List[float], k_parts: int, limit: int) -> Optional[List[int]]:
    n, total = len(cum) - 1, cum[-1]
    slack = BALANCE_SLACK * total / k_parts
    starts = [0]
    for k in range(1, k_parts):
        a = starts[-1]
        target = cum[a] + (total - cum[a]) / (k_parts - k + 1)
        ok = [c for c in range(a + 1, n) if cum[c] - cum[a] <= limit and total - cum[c] <= (k_parts - k) * limit
              and cross[c] != float("inf")]
        if not ok:
            return None
        near = [c for c in ok if abs(cum[c] - target) <= slack] or [min(ok, key=lambda c: abs(cum[c] - target))]
        starts.append(min(near, key=lambda c: (cross[c], abs(cum[c] - target), c)))
    return starts


def split_model(model: onnx.ModelProto, limit: int, name: str = "graph", release: bool = False) -> Iterator[Part]:
    """Yields the parts in execution order. release=True drops each initializer's bytes from `model`
    once the last part that reads it is built (at full size the parts then cost no extra RAM)."""
    gr = _Graph(model)
    types = _inferred_types(model)
    plan = plan_split(model, limit, name, types, gr)
    bounds = plan.starts + [len(gr.seq)]
    value_info = {v.name: v for v in list(model.graph.input) + list(model.graph.output)}
    part_of = [j for j, (a, b) in enumerate(zip(bounds, bounds[1:])) for _ in range(a, b)]
    last_part: Dict[str, int] = {}
    for p, deps in enumerate(gr.deps):
        for d in deps:
            if isinstance(d, str):
                last_part[d] = part_of[p]
    for j, (a, b) in enumerate(zip(bounds, bounds[1:])):
        deps: Set[object] = set()
        for p in range(a, b):
            deps |= gr.deps[p]
        free = sorted(d for d in deps if isinstance(d, int))
        nodes = [gr.free[k] for k in free] + gr.seq[a:b]
        made = {o for n in gr.seq[a:b] for o in n.output if o}
        read = {i for n in gr.seq[a:b] for i in n.input if i}
        inputs = [v for v in gr.graph_inputs if v in read]
        inputs += sorted((v for v in read if v in gr.pos and gr.pos[v] < a), key=lambda v: gr.pos[v])
        outputs = sorted((v for v in made if gr.last_use.get(v, -1) >= b), key=lambda v: gr.pos[v])
        outputs += [v for v in gr.graph_outputs if v in made and v not in outputs]
        inits = [gr.inits[d] for d in sorted(d for d in deps if isinstance(d, str))]
        missing = [v for v in inputs + outputs if v not in value_info and v not in types]
        if missing:
            raise SplitError(f"{name}: part {j}: no type for {missing[:3]}")
        graph = helper.make_graph(
            nodes, f"{model.graph.name}_part{j}", [value_info.get(v) or types[v] for v in inputs],
            [value_info.get(v) or types[v] for v in outputs], inits)
        part = helper.make_model(graph, opset_imports=list(model.opset_import), ir_version=model.ir_version,
                                 producer_name=model.producer_name, producer_version=model.producer_version)
        weights = weight_bytes(part)
        assert weights == plan.part_bytes[j] and weights <= limit, (name, j, weights, plan.part_bytes[j])
        if release:
            for d, last in last_part.items():
                if last == j:
                    gr.inits[d].ClearField("raw_data")
        yield Part(part, inputs, outputs, weights)


def join_parts(parts: List[onnx.ModelProto], inputs: List[dict], outputs: List[dict]) -> onnx.ModelProto:
    """The whole graph back from its parts (to post-process a split pack again): nodes in part
    order (the free nodes copied into several parts once), initializers by name, and the graph
    inputs / outputs of the manifest's contract ({name, dtype, shape})."""
    elem = {"float32": TensorProto.FLOAT, "float16": TensorProto.FLOAT16, "int64": TensorProto.INT64, "int32": TensorProto.INT32}
    nodes, seen, inits = [], set(), {}
    for m in parts:
        for t in m.graph.initializer:
            inits.setdefault(t.name, t)
        for n in m.graph.node:
            if tuple(n.output) not in seen:
                seen.add(tuple(n.output))
                nodes.append(n)
    io = [[helper.make_tensor_value_info(t["name"], elem[t["dtype"]], list(t["shape"])) for t in specs]
          for specs in (inputs, outputs)]
    name = parts[0].graph.name.rsplit("_part", 1)[0]
    first = parts[0]
    return helper.make_model(helper.make_graph(nodes, name, io[0], io[1], list(inits.values())),
                             opset_imports=list(first.opset_import), ir_version=first.ir_version,
                             producer_name=first.producer_name, producer_version=first.producer_version)
