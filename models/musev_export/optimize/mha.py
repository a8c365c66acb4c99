"""Fuse the plain attention that torch 1.13 exports into com.microsoft MultiHeadAttention.

The exporter's `multi_head_attention` (and the CLIP text encoder's) traces to, for rank r of the
per-head tensors (r = 4: q/k/v are (N, L, C); r = 5: the temporal transformer's (B, HW, T, C)):

    q_in ─Mul(c)─Reshape([0..,-1,H,d])─Transpose([..,r-2,r-3,r-1])─┐
    k_in ───────Reshape([0..,-1,H,d])─Transpose([..,r-2,r-1,r-3])─MatMul─Softmax(-1)─┐
    v_in ───────Reshape([0..,-1,H,d])─Transpose([..,r-2,r-3,r-1])────────────────────MatMul─
         Transpose([..,r-2,r-3,r-1])─Reshape([0..,-1,H*d]) → out

which becomes `MultiHeadAttention(q_in, k_in, v_in, num_heads=H)` (separate Q/K/V in
[batch, seq, hidden] layout, no bias/mask; scale 1/sqrt(d) = c, so the Mul goes). For r = 5 the
leading two dims are folded: q/k/v are reshaped to (-1, L, C) with `Concat([-1], Shape(x, start=-2))`
and the result is reshaped back with `Shape(q_in)`. An additive mask between the first MatMul and
the Softmax (the CLIP text encoder's causal mask, a Slice of a constant) becomes MHA's
`attention_bias` input (unsqueezed to rank 4) when it is derived from a constant. Anything else (a tensor with other
consumers, another rank or perm, a non-constant scale) is left as it is and counted under
`skipped` with the reason.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np
import onnx
from onnx import helper, numpy_helper

from .graph import INT64, MS_DOMAIN, Names, attr, const_value, consumers, ensure_opset, producers, remove_dead, toposort


@dataclass
class MhaReport:
    softmax_sites: int = 0
    fused: int = 0
    fused_rank5: int = 0
    with_attention_bias: int = 0
    skipped: Dict[str, int] = field(default_factory=dict)

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    def as_dict(self) -> dict:
        return {"softmax_sites": self.softmax_sites, "fused": self.fused, "fused_rank5": self.fused_rank5,
                "with_attention_bias": self.with_attention_bias, "skipped": dict(self.skipped)}


class _NoMatch(Exception):
    pass


def _perm(r: int, tail: Tuple[int, int, int]) -> List[int]:
    return list(range(r - 3)) + list(tail)


def fuse_attention(model: onnx.ModelProto) -> MhaReport:
    g = model.graph
    report = MhaReport()
    inits = {i.name: i for i in g.initializer}
    nodes = list(g.node)
    prods = producers(nodes)
    cons = consumers(nodes)
    outputs = {o.name for o in g.output}
    names = Names(model)
    removed: set = set()  # ids of nodes replaced
    added: List[Tuple[onnx.NodeProto, List[onnx.NodeProto]]] = []  # (anchor node, new nodes placed before it)

    def only_use(name: str, user: onnx.NodeProto) -> None:
        users = cons.get(name, [])
        if name in outputs or len(users) != 1 or users[0] is not user:
            raise _NoMatch("intermediate tensor has other consumers")

    def prod(name: str, op: str) -> onnx.NodeProto:
        n = prods.get(name)
        if n is None or n.op_type != op or id(n) in removed:
            raise _NoMatch(f"expected {op}")
        return n

    def scalar(name: str) -> Optional[float]:
        v = const_value(name, inits, prods)
        if v is None or v.size != 1:
            return None
        return float(np.asarray(v, dtype=np.float64).reshape(()))

    def rank_of(name: str) -> Optional[int]:
        """Rank of a constant, or of Slice/Identity/Cast chains over one (None when unknown)."""
        for _ in range(8):
            v = const_value(name, inits, prods)
            if v is not None:
                return v.ndim
            n = prods.get(name)
            if n is None or n.op_type not in ("Slice", "Identity", "Cast"):
                return None
            name = n.input[0]
        return None

    def head_split(t: onnx.NodeProto, tail) -> Tuple[onnx.NodeProto, int, int, int]:
        """Transpose(t) <- Reshape([0..,-1,H,d]) : returns (reshape, rank, H, d)."""
        if t.op_type != "Transpose":
            raise _NoMatch("expected Transpose")
        r = prod(t.input[0], "Reshape")
        only_use(r.output[0], t)
        shape = const_value(r.input[1], inits, prods)
        if shape is None or shape.ndim != 1:
            raise _NoMatch("head reshape shape not constant")
        rank = len(shape)
        s = [int(x) for x in shape]
        if rank not in (4, 5) or any(x != 0 for x in s[: rank - 3]) or s[rank - 3] != -1 or min(s[-2:]) <= 0:
            raise _NoMatch(f"head reshape {s}")
        if list(attr(t, "perm") or []) != _perm(rank, tail(rank)):
            raise _NoMatch(f"head transpose perm {list(attr(t, 'perm') or [])}")
        return r, rank, s[-2], s[-1]

    for sm in nodes:
        if sm.op_type != "Softmax":
            continue
        report.softmax_sites += 1
        try:
            if attr(sm, "axis", -1) != -1:
                raise _NoMatch("softmax axis is not -1")
            scores = prods.get(sm.input[0])
            bias = None
            if scores is not None and scores.op_type == "Add":
                # additive mask (the CLIP text encoder's causal mask): MHA's attention_bias input,
                # accepted when it is a rank-4 tensor derived from a constant
                mm = [i for i in scores.input if prods.get(i) is not None and prods[i].op_type == "MatMul"]
                other = [i for i in scores.input if i not in mm]
                bias_rank = rank_of(other[0]) if len(other) == 1 else None
                if len(mm) != 1 or bias_rank not in (2, 3, 4):
                    raise _NoMatch("additive mask before Softmax is not derived from a constant of rank 2-4")
                only_use(scores.output[0], sm)
                bias = other[0]
                removed_add = scores
                scores = prods[mm[0]]
            score_scale = 1.0
            if scores is not None and scores.op_type in ("Mul", "Div"):
                c = next((scalar(i) for i in scores.input if scalar(i) is not None), None)
                other = [i for i in scores.input if scalar(i) is None]
                if c is None or len(other) != 1:
                    raise _NoMatch("score scaling is not by a constant")
                only_use(scores.output[0], sm)
                score_scale = c if scores.op_type == "Mul" else 1.0 / c
                qk_mm = prod(other[0], "MatMul")
                extra = [scores]
            else:
                qk_mm = prod(scores.output[0] if scores is not None else sm.input[0], "MatMul")
                extra = []
            only_use(qk_mm.output[0], extra[0] if extra else (removed_add if bias else sm))
            if bias is not None:
                extra.append(removed_add)
            users = cons.get(sm.output[0], [])
            if len(users) != 1 or users[0].op_type != "MatMul" or users[0].input[0] != sm.output[0]:
                raise _NoMatch("softmax output is not the left operand of one MatMul")
            av_mm = users[0]
            out_t = cons.get(av_mm.output[0], [])
            if len(out_t) != 1 or out_t[0].op_type != "Transpose" or av_mm.output[0] in outputs:
                raise _NoMatch("attention output is not transposed back")
            out_t = out_t[0]
            out_r = cons.get(out_t.output[0], [])
            if len(out_r) != 1 or out_r[0].op_type != "Reshape" or out_t.output[0] in outputs:
                raise _NoMatch("attention output is not merged back")
            out_r = out_r[0]

            qt, kt, vt = prods.get(qk_mm.input[0]), prods.get(qk_mm.input[1]), prods.get(av_mm.input[1])
            if qt is None or kt is None or vt is None:
                raise _NoMatch("q/k/v not produced by nodes")
            for t, user in ((qt, qk_mm), (kt, qk_mm), (vt, av_mm)):
                only_use(t.output[0], user)
            q_r, rank, heads, d = head_split(qt, lambda r: (r - 2, r - 3, r - 1))
            k_r, rk, hk, dk = head_split(kt, lambda r: (r - 2, r - 1, r - 3))
            v_r, rv, hv, dv = head_split(vt, lambda r: (r - 2, r - 3, r - 1))
            if (rk, hk, dk) != (rank, heads, d) or (rv, hv) != (rank, heads):
                raise _NoMatch("q/k/v head layouts differ")
            if list(attr(out_t, "perm") or []) != _perm(rank, (rank - 2, rank - 3, rank - 1)):
                raise _NoMatch("output transpose perm")
            merge = const_value(out_r.input[1], inits, prods)
            if merge is None or [int(x) for x in merge] != [0] * (rank - 3) + [-1, heads * dv]:
                raise _NoMatch(f"output merge reshape {None if merge is None else merge.tolist()}")

            if bias is not None and rank != 4:
                raise _NoMatch("rank-5 attention with a mask")
            q_in, k_in, v_in = q_r.input[0], k_r.input[0], v_r.input[0]
            q_scale = 1.0
            mul = prods.get(q_in)
            if mul is not None and mul.op_type == "Mul" and len(cons.get(q_in, [])) == 1 and q_in not in outputs:
                cs = [scalar(i) for i in mul.input]
                if cs[1] is not None and cs[0] is None:
                    q_scale, q_in = cs[1], mul.input[0]
                elif cs[0] is not None and cs[1] is None:
                    q_scale, q_in = cs[0], mul.input[1]
        except _NoMatch as e:
            report.skip(str(e))
            continue

        scale = q_scale * score_scale
        attrs = {"num_heads": heads}
        if not math.isclose(scale, 1.0 / math.sqrt(d), rel_tol=1e-6):
            attrs["scale"] = float(scale)
        base = out_r.output[0].rsplit("/", 1)[0] if "/" in out_r.output[0] else out_r.output[0]
        new: List[onnx.NodeProto] = []
        if rank == 4:
            mha_out = out_r.output[0]
            mha_in = [q_in, k_in, v_in]
            if bias is not None:  # inputs: query, key, value, bias, key_padding_mask, attention_bias
                if bias_rank < 4:  # numpy broadcasting aligns from the right: (L, L) -> (1, 1, L, L)
                    axes = names.new(f"{base}/mha_bias_axes")
                    bias4 = names.new(f"{base}/mha_bias_4d")
                    new += [
                        helper.make_node("Constant", [], [axes], name=names.new(f"{axes}/Constant"),
                                         value=numpy_helper.from_array(np.arange(4 - bias_rank, dtype=np.int64), axes)),
                        helper.make_node("Unsqueeze", [bias, axes], [bias4], name=names.new(f"{bias4}/Unsqueeze")),
                    ]
                    bias = bias4
                mha_in += ["", "", bias]
                report.with_attention_bias += 1
        else:
            minus1 = names.new(f"{base}/mha_minus1")
            new.append(helper.make_node("Constant", [], [minus1], name=names.new(f"{minus1}/Constant"),
                                        value=numpy_helper.from_array(np.array([-1], dtype=np.int64), minus1)))
            mha_in = []
            for x, tag in ((q_in, "q"), (k_in, "k"), (v_in, "v")):
                tail = names.new(f"{base}/mha_{tag}_tail")
                shape3 = names.new(f"{base}/mha_{tag}_shape3")
                x3 = names.new(f"{base}/mha_{tag}_3d")
                new += [
                    helper.make_node("Shape", [x], [tail], name=names.new(f"{tail}/Shape"), start=-2),
                    helper.make_node("Concat", [minus1, tail], [shape3], name=names.new(f"{shape3}/Concat"), axis=0),
                    helper.make_node("Reshape", [x, shape3], [x3], name=names.new(f"{x3}/Reshape")),
                ]
                mha_in.append(x3)
            mha_out = names.new(f"{base}/mha_3d")
        new.append(helper.make_node("MultiHeadAttention", mha_in, [mha_out], name=names.new(f"{base}/MultiHeadAttention"),
                                    domain=MS_DOMAIN, **attrs))
        if rank == 5:
            qshape = names.new(f"{base}/mha_q_shape")
            new += [
                helper.make_node("Shape", [q_in], [qshape], name=names.new(f"{qshape}/Shape")),
                helper.make_node("Reshape", [mha_out, qshape], [out_r.output[0]], name=names.new(f"{base}/mha_out/Reshape")),
            ]
            report.fused_rank5 += 1
        for n in (qt, kt, vt, q_r, k_r, v_r, qk_mm, sm, av_mm, out_t, out_r, *extra):
            removed.add(id(n))
        added.append((out_r, new))
        report.fused += 1

    if report.fused:
        anchors = {id(a): new for a, new in added}
        out_nodes: List[onnx.NodeProto] = []
        for n in nodes:
            if id(n) in anchors:
                out_nodes.extend(anchors[id(n)])
            if id(n) not in removed:
                out_nodes.append(n)
        del g.node[:]
        g.node.extend(out_nodes)
        ensure_opset(model, MS_DOMAIN, 1)
        remove_dead(model)
        toposort(model)
    return report
