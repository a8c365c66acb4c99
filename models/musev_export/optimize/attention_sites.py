"""The plain attention that torch 1.13 exports, matched once for the passes that rewrite it.

`mha.fuse_attention` (MultiHeadAttention fusion) and `query_chunks.chunk_attention_queries`
(attention over query slices) rewrite the same pattern, documented in mha.py; for rank r of the
per-head tensors (4, or 5 for the temporal transformer) it is, from each Softmax:

    q_in ─[Mul(c)]─Reshape([0..,-1,H,d])─Transpose([..,r-2,r-3,r-1])─┐
    k_in ──────────Reshape([0..,-1,H,d])─Transpose([..,r-2,r-1,r-3])─MatMul─[Mul|Div(c) | Add(mask)]─Softmax(-1)─┐
    v_in ──────────Reshape([0..,-1,H,d])─Transpose([..,r-2,r-3,r-1])─────────────────────────────────────────────MatMul─
         Transpose ─ Reshape → out

`AttentionSites.match` walks it and returns an `AttentionSite` (the matched nodes and the q_in /
k_in / v_in tensors), or raises `NoMatch` with the reason the pass reports under `skipped`. It
checks what every rewrite needs: each intermediate tensor has the next node of the pattern as its
only consumer and is not a graph output (a rewrite would drop it), the head reshapes are constant
with the layout above and the head transposes have its perms, q / k / v have the same rank, a score
Mul|Div is by a constant, and a mask is derived from a constant of rank 2-4 (accepted only when the
caller asks for masks). The q Mul is part of the site only when it is by a constant and its output
feeds q's head Reshape alone. The output Transpose's perm (`AttentionSite.check_output_perm`), the
merge Reshape's shape and the heads are left to the passes, which need different things of them.
Nodes of a site already rewritten (`replace`) do not match again; `splice` then rebuilds the graph.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, List, Optional, Set, Tuple

import numpy as np
import onnx

from .graph import attr, const_value, consumers, producers, splice_nodes


class NoMatch(Exception):
    """A Softmax that is not (or not a rewritable) attention site; the message is the reason."""


def perm(r: int, tail: Tuple[int, int, int]) -> List[int]:
    """The rank-r Transpose perm that keeps the leading r-3 axes and permutes the last three as `tail`."""
    return list(range(r - 3)) + list(tail)


@dataclass
class HeadSplit:
    """Reshape([0..,-1,H,d]) ─ Transpose of one of q / k / v."""
    reshape: onnx.NodeProto
    transpose: onnx.NodeProto
    rank: int
    heads: int
    dim: int


@dataclass
class AttentionSite:
    softmax: onnx.NodeProto
    qk_matmul: onnx.NodeProto
    score_nodes: List[onnx.NodeProto]  # between qk_matmul and softmax: none, the Mul|Div(c), or the mask's Add
    score_scale: float  # c of the Mul (1/c of the Div), else 1
    mask: Optional[str]  # the Add's other input (derived from a constant), else None
    mask_rank: Optional[int]
    av_matmul: onnx.NodeProto
    out_transpose: onnx.NodeProto
    out_reshape: onnx.NodeProto
    q: HeadSplit
    k: HeadSplit
    v: HeadSplit
    q_mul: Optional[onnx.NodeProto]  # the Mul by a constant before q's head split, else None
    q_scale: float  # its constant, else 1
    q_in: str  # the Mul's other input, else q's head reshape input
    k_in: str
    v_in: str

    @property
    def rank(self) -> int:
        """Rank of the per-head tensors (q, k and v agree)."""
        return self.q.rank

    @property
    def nodes(self) -> List[onnx.NodeProto]:
        """Every node of the site, q_in to out (the order the query chunks copy them in)."""
        q_chain = ([self.q_mul] if self.q_mul is not None else []) + [self.q.reshape, self.q.transpose]
        return (q_chain + [self.k.reshape, self.k.transpose, self.v.reshape, self.v.transpose, self.qk_matmul]
                + self.score_nodes + [self.softmax, self.av_matmul, self.out_transpose, self.out_reshape])

    def check_output_perm(self) -> None:
        """The output Transpose undoes q's head transpose ([..,r-2,r-3,r-1])."""
        r = self.rank
        if list(attr(self.out_transpose, "perm") or []) != perm(r, (r - 2, r - 3, r - 1)):
            raise NoMatch("output transpose perm")


class AttentionSites:
    """The attention sites of one graph: the node index the match walks, and the rewrites so far."""

    def __init__(self, model: onnx.ModelProto):
        g = model.graph
        self.inits = {i.name: i for i in g.initializer}
        self.nodes = list(g.node)
        self.prods = producers(self.nodes)
        self.cons = consumers(self.nodes)
        self.outputs = {o.name for o in g.output}
        self.removed: Set[int] = set()  # ids of nodes replaced
        self.added: List[Tuple[onnx.NodeProto, List[onnx.NodeProto]]] = []  # (anchor node, new nodes placed before it)

    def softmaxes(self) -> List[onnx.NodeProto]:
        return [n for n in self.nodes if n.op_type == "Softmax"]

    def const(self, name: str) -> Optional[np.ndarray]:
        return const_value(name, self.inits, self.prods)

    def scalar(self, name: str) -> Optional[float]:
        v = self.const(name)
        if v is None or v.size != 1:
            return None
        return float(np.asarray(v, dtype=np.float64).reshape(()))

    def only_use(self, name: str, user: onnx.NodeProto) -> None:
        users = self.cons.get(name, [])
        if name in self.outputs or len(users) != 1 or users[0] is not user:
            raise NoMatch("intermediate tensor has other consumers")

    def prod(self, name: str, op: str) -> onnx.NodeProto:
        n = self.prods.get(name)
        if n is None or n.op_type != op or id(n) in self.removed:
            raise NoMatch(f"expected {op}")
        return n

    def rank_of(self, name: str) -> Optional[int]:
        """Rank of a constant, or of Slice/Identity/Cast chains over one (None when unknown)."""
        for _ in range(8):
            v = self.const(name)
            if v is not None:
                return v.ndim
            n = self.prods.get(name)
            if n is None or n.op_type not in ("Slice", "Identity", "Cast"):
                return None
            name = n.input[0]
        return None

    def head_split(self, t: onnx.NodeProto, tail: Callable[[int], Tuple[int, int, int]]) -> HeadSplit:
        """Transpose(t) <- Reshape([0..,-1,H,d]), the Transpose's last three axes permuted as tail(rank)."""
        if t.op_type != "Transpose" or id(t) in self.removed:
            raise NoMatch("expected Transpose")
        r = self.prod(t.input[0], "Reshape")
        self.only_use(r.output[0], t)
        shape = self.const(r.input[1])
        if shape is None or shape.ndim != 1:
            raise NoMatch("head reshape shape not constant")
        rank = len(shape)
        s = [int(x) for x in shape]
        if rank not in (4, 5) or any(x != 0 for x in s[: rank - 3]) or s[rank - 3] != -1 or min(s[-2:]) <= 0:
            raise NoMatch(f"head reshape {s}")
        if list(attr(t, "perm") or []) != perm(rank, tail(rank)):
            raise NoMatch(f"head transpose perm {list(attr(t, 'perm') or [])}")
        return HeadSplit(r, t, rank, s[-2], s[-1])

    def match(self, sm: onnx.NodeProto, masks: bool) -> AttentionSite:
        """The site whose Softmax is `sm`; an additive mask before it is accepted only with `masks`."""
        if attr(sm, "axis", -1) != -1:
            raise NoMatch("softmax axis is not -1")
        prods, cons, outputs = self.prods, self.cons, self.outputs
        scores = prods.get(sm.input[0])
        mask = mask_rank = mask_add = None
        if scores is not None and scores.op_type == "Add":
            if not masks:
                raise NoMatch("additive mask before Softmax")
            # additive mask (the CLIP text encoder's causal mask), accepted when it is derived from a
            # constant of rank 2-4
            mm = [i for i in scores.input if prods.get(i) is not None and prods[i].op_type == "MatMul"]
            other = [i for i in scores.input if i not in mm]
            mask_rank = self.rank_of(other[0]) if len(other) == 1 else None
            if len(mm) != 1 or mask_rank not in (2, 3, 4):
                raise NoMatch("additive mask before Softmax is not derived from a constant of rank 2-4")
            self.only_use(scores.output[0], sm)
            mask, mask_add = other[0], scores
            scores = prods[mm[0]]
        score_scale = 1.0
        if scores is not None and scores.op_type in ("Mul", "Div"):
            c = next((self.scalar(i) for i in scores.input if self.scalar(i) is not None), None)
            other = [i for i in scores.input if self.scalar(i) is None]
            if c is None or len(other) != 1:
                raise NoMatch("score scaling is not by a constant")
            self.only_use(scores.output[0], sm)
            score_scale = c if scores.op_type == "Mul" else 1.0 / c
            qk_mm = self.prod(other[0], "MatMul")
            score_nodes = [scores]
        else:
            qk_mm = self.prod(scores.output[0] if scores is not None else sm.input[0], "MatMul")
            score_nodes = []
        self.only_use(qk_mm.output[0], score_nodes[0] if score_nodes else (mask_add if mask else sm))
        if mask is not None:
            score_nodes.append(mask_add)
        users = cons.get(sm.output[0], [])
        if len(users) != 1 or users[0].op_type != "MatMul" or users[0].input[0] != sm.output[0] or sm.output[0] in outputs:
            raise NoMatch("softmax output is not the left operand of one MatMul")
        av_mm = users[0]
        out_t = cons.get(av_mm.output[0], [])
        if len(out_t) != 1 or out_t[0].op_type != "Transpose" or av_mm.output[0] in outputs:
            raise NoMatch("attention output is not transposed back")
        out_t = out_t[0]
        out_r = cons.get(out_t.output[0], [])
        if len(out_r) != 1 or out_r[0].op_type != "Reshape" or out_t.output[0] in outputs:
            raise NoMatch("attention output is not merged back")
        out_r = out_r[0]

        qt, kt, vt = prods.get(qk_mm.input[0]), prods.get(qk_mm.input[1]), prods.get(av_mm.input[1])
        if qt is None or kt is None or vt is None:
            raise NoMatch("q/k/v not produced by nodes")
        for t, user in ((qt, qk_mm), (kt, qk_mm), (vt, av_mm)):
            self.only_use(t.output[0], user)
        q = self.head_split(qt, lambda r: (r - 2, r - 3, r - 1))
        k = self.head_split(kt, lambda r: (r - 2, r - 1, r - 3))
        v = self.head_split(vt, lambda r: (r - 2, r - 3, r - 1))
        if not q.rank == k.rank == v.rank:
            raise NoMatch("q/k/v head layouts differ")

        q_in, q_mul, q_scale = q.reshape.input[0], None, 1.0
        mul = prods.get(q_in)
        if (mul is not None and mul.op_type == "Mul" and id(mul) not in self.removed and len(mul.input) == 2
                and len(cons.get(q_in, [])) == 1 and q_in not in outputs):
            cs = [self.scalar(i) for i in mul.input]
            if cs[1] is not None and cs[0] is None:
                q_mul, q_scale, q_in = mul, cs[1], mul.input[0]
            elif cs[0] is not None and cs[1] is None:
                q_mul, q_scale, q_in = mul, cs[0], mul.input[1]
        return AttentionSite(sm, qk_mm, score_nodes, score_scale, mask, mask_rank, av_mm, out_t, out_r, q, k, v,
                             q_mul, q_scale, q_in, k.reshape.input[0], v.reshape.input[0])

    def replace(self, site: AttentionSite, new: List[onnx.NodeProto]) -> None:
        """Drop the site's nodes and put `new` where its output Reshape was (applied by `splice`)."""
        for n in site.nodes:
            self.removed.add(id(n))
        self.added.append((site.out_reshape, new))

    def splice(self, model: onnx.ModelProto) -> None:
        """Apply every `replace` to the model's graph (`graph.splice_nodes`: then sorted topologically)."""
        splice_nodes(model, self.nodes, self.added, self.removed)
