"""Small ONNX graph helpers shared by the optimize passes (no onnxruntime, onnx 1.12 only)."""
from __future__ import annotations

from collections import defaultdict
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

import numpy as np
import onnx
from onnx import TensorProto, helper, mapping, numpy_helper

FLOAT, FLOAT16, INT64 = TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.INT64
MS_DOMAIN = "com.microsoft"


class Names:
    """Fresh, deterministic tensor/node names (`<base>/<tag>`, numbered on collision)."""

    def __init__(self, model: onnx.ModelProto):
        g = model.graph
        self.used = {i.name for i in g.initializer} | {v.name for v in g.input} | {v.name for v in g.output}
        for n in g.node:
            self.used.update(n.output)
            self.used.update(n.input)
            if n.name:
                self.used.add(n.name)

    def new(self, base: str) -> str:
        name, k = base, 1
        while name in self.used:
            k += 1
            name = f"{base}_{k}"
        self.used.add(name)
        return name


def producers(nodes: Iterable[onnx.NodeProto]) -> Dict[str, onnx.NodeProto]:
    return {o: n for n in nodes for o in n.output if o}


def consumers(nodes: Iterable[onnx.NodeProto]) -> Dict[str, List[onnx.NodeProto]]:
    out: Dict[str, List[onnx.NodeProto]] = defaultdict(list)
    for n in nodes:
        for i in n.input:
            if i:
                out[i].append(n)
    return out


def attr(node: onnx.NodeProto, name: str, default=None):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def const_value(name: str, inits: Dict[str, TensorProto], prods: Dict[str, onnx.NodeProto]) -> Optional[np.ndarray]:
    """The value of an initializer or Constant-node output (looking through Identity), else None."""
    seen = 0
    while seen < 8:
        if name in inits:
            return numpy_helper.to_array(inits[name])
        node = prods.get(name)
        if node is None:
            return None
        if node.op_type == "Constant":
            t = attr(node, "value")
            return numpy_helper.to_array(t) if t is not None else None
        if node.op_type != "Identity":
            return None
        name = node.input[0]
        seen += 1
    return None


def toposort(model: onnx.ModelProto) -> None:
    """Stable topological sort of the main graph's nodes (original order wins among ready nodes)."""
    g = model.graph
    nodes = list(g.node)
    available = {i.name for i in g.initializer} | {v.name for v in g.input} | {""}
    prods = producers(nodes)
    waiting = {id(n): sum(1 for i in set(n.input) if i not in available and i in prods) for n in nodes}
    cons = consumers(nodes)
    index = {id(n): k for k, n in enumerate(nodes)}
    import heapq

    ready = [(index[id(n)], n) for n in nodes if waiting[id(n)] == 0]
    heapq.heapify(ready)
    out = []
    done = set()
    while ready:
        _, n = heapq.heappop(ready)
        out.append(n)
        for o in n.output:
            if not o or o in done:
                continue
            done.add(o)
            seen = set()
            for c in cons.get(o, []):
                if id(c) in seen:
                    continue
                seen.add(id(c))
                waiting[id(c)] -= sum(1 for i in set(c.input) if i == o)
                if waiting[id(c)] == 0:
                    heapq.heappush(ready, (index[id(c)], c))
    if len(out) != len(nodes):
        raise ValueError(f"graph has a cycle or dangling inputs ({len(nodes) - len(out)} nodes unsorted)")
    del g.node[:]
    g.node.extend(out)


def splice_nodes(model: onnx.ModelProto, nodes: Sequence[onnx.NodeProto],
                 added: Sequence[Tuple[onnx.NodeProto, List[onnx.NodeProto]]], removed: Set[int]) -> None:
    """Rebuild the main graph from `nodes` (its node list before a rewrite): each (anchor, new) of
    `added` puts the new nodes just before the anchor, the nodes whose id() is in `removed` are
    dropped (an anchor may be one of them), and the result is sorted topologically (`toposort`)."""
    anchors = {id(a): new for a, new in added}
    out_nodes: List[onnx.NodeProto] = []
    for n in nodes:
        if id(n) in anchors:
            out_nodes.extend(anchors[id(n)])
        if id(n) not in removed:
            out_nodes.append(n)
    del model.graph.node[:]
    model.graph.node.extend(out_nodes)
    toposort(model)


def remove_dead(model: onnx.ModelProto) -> int:
    """Drop nodes whose outputs nobody uses and initializers nobody reads; returns nodes removed."""
    g = model.graph
    nodes = list(g.node)
    keep_out = {o.name for o in g.output}
    removed = 0
    while True:
        used = {i for n in nodes for i in n.input} | keep_out
        alive = [n for n in nodes if any(o in used for o in n.output if o)]
        if len(alive) == len(nodes):
            break
        removed += len(nodes) - len(alive)
        nodes = alive
    used = {i for n in nodes for i in n.input} | keep_out
    del g.node[:]
    g.node.extend(nodes)
    dead = [i for i in g.initializer if i.name not in used]
    for i in dead:
        g.initializer.remove(i)
    return removed


def ensure_opset(model: onnx.ModelProto, domain: str, version: int) -> None:
    for o in model.opset_import:
        if o.domain == domain:
            o.version = max(o.version, version)
            return
    model.opset_import.append(helper.make_opsetid(domain, version))


def tensor_bytes(t: TensorProto) -> int:
    """Bytes of an initializer's data (raw or typed fields; external data by its length entry)."""
    if t.data_location == TensorProto.EXTERNAL:
        for e in t.external_data:
            if e.key == "length":
                return int(e.value)
    if t.raw_data:
        return len(t.raw_data)
    n = int(np.prod(t.dims)) if len(t.dims) else 1
    return n * np.dtype(mapping.TENSOR_TYPE_TO_NP_TYPE[t.data_type]).itemsize


def weight_bytes(model: onnx.ModelProto) -> int:
    """Bytes of every initializer and Constant-node tensor: what a session uploads for this graph."""
    total = sum(tensor_bytes(i) for i in model.graph.initializer)
    for n in model.graph.node:
        if n.op_type == "Constant":
            t = attr(n, "value")
            if t is not None:
                total += tensor_bytes(t)
    return total


def op_counts(model: onnx.ModelProto) -> Dict[str, int]:
    out: Dict[str, int] = defaultdict(int)
    for n in model.graph.node:
        out[n.op_type] += 1
    return dict(out)
