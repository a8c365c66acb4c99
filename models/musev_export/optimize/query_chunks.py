"""Query-chunked attention: softmax(q k^T / sqrt(d)) v computed over n slices of the queries.

Softmax normalises each query row on its own, so attention over rows [a, b) of the queries, with
all keys and values, is exactly rows [a, b) of the full result: slicing the queries into chunks
and concatenating the chunks' outputs changes nothing but the size of the largest scores tensor,
which becomes (..., ⌈S_q / n⌉, S_k) instead of (..., S_q, S_k). That is what the memory planner
(src/core/memoryPlan.ts) needs when one window's level-0 self-attention scores exceed the GPU's
storage-binding limit (512×320, 13 frames: 5.45 GB).

The pass rewrites the plain attention that torch 1.13 exports (the pattern optimize/mha.py
documents) at every UNet site whose per-head tensors have rank 4 — the spatial self / reference /
cross attentions (attn1, attn2 with its IP-Adapter / FaceID branches) and the ReferenceNet fuse
attentions, where S_q = h·w of the site's level — and leaves rank 5 alone (the temporal
transformers: S = frames, scores g·k·S·H·F² are small):

    q_in ─[Mul(c)]─Reshape─Transpose─MatMul─[Mul|Div(c)]─Softmax─MatMul─Transpose─Reshape → out
    k_in ──────────Reshape─Transpose──┘                          │
    v_in ──────────Reshape─Transpose─────────────────────────────┘

becomes, for chunk i = 0..n-1 with rows [⌊i·S_q/n⌋, ⌊(i+1)·S_q/n⌋) (S_q read from the tensor at
run time, so every latent size works; chunks differ by at most one row, the largest has ⌈S_q/n⌉):

    Slice(q_in, axis -2) ─ copy of the whole pattern (k_in, v_in whole) → out_i
    Concat(out_0..out_{n-1}, axis -2) → out

Each copy is the complete pattern (its own head split of k and v), so the MultiHeadAttention
fusion that runs after this pass (mha.py) turns every chunk into MultiHeadAttention(q_i, k, v):
one MHA per query chunk with the full keys and values. Without fusion, onnxruntime's common
subexpression elimination (graph optimisation level 'all', as the app sets) merges the copies'
identical k / v head splits.

Chunks per level: `--attention-query-chunks N` gives level l (down block l, up block last-l, the
mid block at the last level) n_l = ⌈N / 4^l⌉ chunks. A level has 4x fewer tokens than the one
above, so no level's largest chunk of scores exceeds level 0's (self-attention: 4^l x smaller,
cross: the same), and the deep levels, where chunking would only add kernel launches, are left
whole. It also keeps every chunk non-empty: the latent is a multiple of 2^last per side, so level
l has at least 4^(last-l) tokens >= n_l when N <= 4^last (64 for SD1.5's four levels), which the
pass requires. The level of a site comes from its module scope in the node names
(`/unet/down_blocks.1/attentions.0/...`; a down block's last ReferenceNet fuse attention reads the
downsampler's output, one level deeper); a rank-4 site without a known scope is an error.
A site with an additive mask, or whose tensors have other consumers, is left as it is and counted
under `skipped` with the reason.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np
import onnx
from onnx import helper, numpy_helper

from .graph import Names, attr, const_value, consumers, producers, toposort

SITE_SCOPE = re.compile(
    r"^/unet/(?:(?P<blocks>down_blocks|up_blocks)\.(?P<i>\d+)/(?P<kind>attentions|refer_emb_attns)\.(?P<j>\d+)/"
    r"|(?P<mid>mid_block/attentions\.\d+/|mid_block_refer_emb_attns/)|(?P<first>first_refer_emb_attns/))"
)
DOWN_SCOPE = re.compile(r"^/unet/down_blocks\.(\d+)/(?:resnets\.(\d+)/)?")


def query_chunk_schedule(chunks: int, levels: int) -> List[int]:
    """Chunks per UNet level for `--attention-query-chunks N`: ⌈N / 4^l⌉ (see the module docstring)."""
    return [max(1, -(-chunks // 4 ** level)) for level in range(levels)]


def unet_levels(model: onnx.ModelProto) -> Tuple[int, Dict[int, int]]:
    """(number of levels = down blocks, resnets per down block) from the node names' scopes."""
    resnets: Dict[int, int] = {}
    for n in model.graph.node:
        m = DOWN_SCOPE.match(n.name)
        if m:
            i = int(m.group(1))
            resnets[i] = max(resnets.get(i, 0), int(m.group(2)) + 1 if m.group(2) is not None else 0)
    return (max(resnets) + 1 if resnets else 0), resnets


def site_level(name: str, levels: int, resnets: Dict[int, int]) -> Optional[int]:
    """The UNet level an attention node belongs to, from its scope; None when unknown."""
    m = SITE_SCOPE.match(name)
    if m is None or levels == 0:
        return None
    if m.group("first"):
        return 0
    if m.group("mid"):
        return levels - 1
    i, j = int(m.group("i")), int(m.group("j"))
    if m.group("blocks") == "up_blocks":
        return levels - 1 - i
    if m.group("kind") == "refer_emb_attns" and j >= resnets.get(i, j + 1):
        return i + 1  # the fuse attention after the block's downsampler
    return i


@dataclass
class QueryChunkReport:
    chunks: int = 1
    per_level: List[int] = field(default_factory=list)
    softmax_sites: int = 0
    chunked: int = 0
    sites_per_level: Dict[int, int] = field(default_factory=dict)
    skipped: Dict[str, int] = field(default_factory=dict)

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    def as_dict(self) -> dict:
        return {"chunks": self.chunks, "per_level": list(self.per_level), "softmax_sites": self.softmax_sites,
                "chunked": self.chunked, "sites_per_level": dict(self.sites_per_level), "skipped": dict(self.skipped)}


class _NoMatch(Exception):
    pass


def _perm(r: int, tail: Tuple[int, int, int]) -> List[int]:
    return list(range(r - 3)) + list(tail)


def chunk_attention_queries(model: onnx.ModelProto, chunks: int) -> QueryChunkReport:
    """In place: every rank-4 attention site of a UNet graph at level l computes its scores over
    ⌈chunks / 4^l⌉ query slices (report.per_level). Raises ValueError when `chunks` is out of
    2..4^last, the graph has no UNet level scopes, or a rank-4 site's level is unknown."""
    levels, resnets = unet_levels(model)
    if levels == 0:
        raise ValueError("query chunking: no /unet/down_blocks.<i>/ scopes in the node names (not a UNet graph?)")
    most = 4 ** (levels - 1)
    if not isinstance(chunks, int) or isinstance(chunks, bool) or not 2 <= chunks <= most:
        raise ValueError(f"query chunks must be an integer in 2..{most} (4^(levels-1): every chunk of every level "
                         f"non-empty at the smallest latent) (got {chunks!r})")
    g = model.graph
    report = QueryChunkReport(chunks=chunks, per_level=query_chunk_schedule(chunks, levels))
    inits = {i.name: i for i in g.initializer}
    nodes = list(g.node)
    prods = producers(nodes)
    cons = consumers(nodes)
    outputs = {o.name for o in g.output}
    names = Names(model)
    removed: set = set()
    added: List[Tuple[onnx.NodeProto, List[onnx.NodeProto]]] = []

    def only_use(name: str, user: onnx.NodeProto) -> None:
        users = cons.get(name, [])
        if name in outputs or len(users) != 1 or users[0] is not user:
            raise _NoMatch("intermediate tensor has other consumers")

    def prod(name: str, op: str) -> onnx.NodeProto:
        n = prods.get(name)
        if n is None or n.op_type != op or id(n) in removed:
            raise _NoMatch(f"expected {op}")
        return n

    def is_scalar(name: str) -> bool:
        v = const_value(name, inits, prods)
        return v is not None and v.size == 1

    def head_split(t: Optional[onnx.NodeProto], tail) -> Tuple[onnx.NodeProto, int]:
        """Transpose(t) <- Reshape([0..,-1,H,d]): returns (reshape, rank of the per-head tensor)."""
        if t is None or t.op_type != "Transpose" or id(t) in removed:
            raise _NoMatch("expected Transpose")
        r = prod(t.input[0], "Reshape")
        only_use(r.output[0], t)
        shape = const_value(r.input[1], inits, prods)
        if shape is None or shape.ndim != 1:
            raise _NoMatch("head reshape shape not constant")
        rank, s = len(shape), [int(x) for x in shape]
        if rank not in (4, 5) or any(x != 0 for x in s[: rank - 3]) or s[rank - 3] != -1 or min(s[-2:]) <= 0:
            raise _NoMatch(f"head reshape {s}")
        if list(attr(t, "perm") or []) != _perm(rank, tail(rank)):
            raise _NoMatch("head transpose perm")
        return r, rank

    for sm in nodes:
        if sm.op_type != "Softmax":
            continue
        report.softmax_sites += 1
        try:
            if attr(sm, "axis", -1) != -1:
                raise _NoMatch("softmax axis is not -1")
            scores = prods.get(sm.input[0])
            site: List[onnx.NodeProto] = []
            if scores is not None and scores.op_type == "Add":
                raise _NoMatch("additive mask before Softmax")
            if scores is not None and scores.op_type in ("Mul", "Div"):
                other = [i for i in scores.input if not is_scalar(i)]
                if len(other) != 1 or len(scores.input) != 2:
                    raise _NoMatch("score scaling is not by a constant")
                only_use(scores.output[0], sm)
                site.append(scores)
                qk_mm = prod(other[0], "MatMul")
                only_use(qk_mm.output[0], scores)
            else:
                qk_mm = prod(sm.input[0], "MatMul")
                only_use(qk_mm.output[0], sm)
            users = cons.get(sm.output[0], [])
            if len(users) != 1 or users[0].op_type != "MatMul" or users[0].input[0] != sm.output[0] or sm.output[0] in outputs:
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
            q_r, rank = head_split(qt, lambda r: (r - 2, r - 3, r - 1))
            k_r, rk = head_split(kt, lambda r: (r - 2, r - 1, r - 3))
            v_r, rv = head_split(vt, lambda r: (r - 2, r - 3, r - 1))
            for t, user in ((qt, qk_mm), (kt, qk_mm), (vt, av_mm)):
                only_use(t.output[0], user)
            if not rank == rk == rv:
                raise _NoMatch("q/k/v head layouts differ")
            if rank == 5:
                raise _NoMatch("temporal attention (rank-5 heads, S = frames): not chunked")
            level = site_level(sm.name, levels, resnets)
            if level is None:
                raise ValueError(f"query chunking: cannot tell the UNet level of attention {sm.name!r}")
            report.sites_per_level[level] = report.sites_per_level.get(level, 0) + 1
            n = report.per_level[level]
            if n == 1:
                raise _NoMatch(f"level {level}: 1 chunk")
            if list(attr(out_t, "perm") or []) != _perm(rank, (rank - 2, rank - 3, rank - 1)):
                raise _NoMatch("output transpose perm")
            merge = const_value(out_r.input[1], inits, prods)
            if merge is None or [int(x) for x in merge][: rank - 2] != [0] * (rank - 3) + [-1]:
                raise _NoMatch("output merge reshape")
            q_chain = [q_r, qt]
            q_src = q_r.input[0]
            mul = prods.get(q_src)
            if mul is not None and mul.op_type == "Mul" and id(mul) not in removed and len(mul.input) == 2:
                scalars = [is_scalar(i) for i in mul.input]
                if sum(scalars) == 1 and len(cons.get(q_src, [])) == 1 and q_src not in outputs:
                    q_chain = [mul] + q_chain
                    q_src = mul.input[scalars.index(False)]
        except _NoMatch as e:
            report.skip(str(e))
            continue

        pattern = q_chain + [k_r, kt, v_r, vt, qk_mm] + site + [sm, av_mm, out_t, out_r]
        base = sm.name.rsplit("/", 1)[0] if "/" in sm.name else (sm.name or "attention")
        new: List[onnx.NodeProto] = []

        def const(tag: str, value: np.ndarray) -> str:
            out = names.new(f"{base}/qchunk_{tag}")
            new.append(helper.make_node("Constant", [], [out], name=names.new(f"{out}/Constant"),
                                        value=numpy_helper.from_array(value, out)))
            return out

        # boundaries b_i = ⌊i·S_q/n⌋, i = 1..n-1, from the query length at run time
        length = names.new(f"{base}/qchunk_len")
        new.append(helper.make_node("Shape", [q_src], [length], name=names.new(f"{length}/Shape"), start=-2, end=-1))
        scaled = names.new(f"{base}/qchunk_len_x_i")
        new.append(helper.make_node("Mul", [length, const("i", np.arange(1, n, dtype=np.int64))], [scaled],
                                    name=names.new(f"{scaled}/Mul")))
        bounds = names.new(f"{base}/qchunk_bounds")
        new.append(helper.make_node("Div", [scaled, const("n", np.array([n], dtype=np.int64))], [bounds],
                                    name=names.new(f"{bounds}/Div")))
        edges = [const("start", np.array([0], dtype=np.int64))]
        for i in range(1, n):
            b = names.new(f"{base}/qchunk_bound{i}")
            new.append(helper.make_node("Gather", [bounds, const(f"at{i}", np.array([i - 1], dtype=np.int64))], [b],
                                        name=names.new(f"{b}/Gather"), axis=0))
            edges.append(b)
        edges.append(const("end", np.array([np.iinfo(np.int64).max], dtype=np.int64)))
        axes = const("axes", np.array([-2], dtype=np.int64))

        internal = {o for node in pattern for o in node.output}
        parts = []
        for i in range(n):
            q_i = names.new(f"{base}/qchunk{i}/query")
            new.append(helper.make_node("Slice", [q_src, edges[i], edges[i + 1], axes], [q_i], name=names.new(f"{base}/qchunk{i}/Slice")))
            rename = {q_src: q_i}
            for node in pattern:
                copy = onnx.NodeProto()
                copy.CopyFrom(node)
                copy.name = names.new(f"{base}/qchunk{i}/{(node.name or node.op_type).rsplit('/', 1)[-1]}")
                del copy.input[:]
                # q_src is replaced only as the q chain's input; k_in / v_in stay whole
                copy.input.extend(rename[x] if x in internal or (x == q_src and node is q_chain[0]) else x for x in node.input)
                del copy.output[:]
                for o in node.output:
                    rename[o] = names.new(f"{base}/qchunk{i}/{o.rsplit('/', 1)[-1]}")
                    copy.output.append(rename[o])
                new.append(copy)
            parts.append(rename[out_r.output[0]])
        new.append(helper.make_node("Concat", parts, [out_r.output[0]], name=names.new(f"{base}/qchunk_concat/Concat"), axis=-2))
        for node in pattern:
            removed.add(id(node))
        added.append((out_r, new))
        report.chunked += 1

    if report.chunked:
        anchors = {id(a): new for a, new in added}
        out_nodes: List[onnx.NodeProto] = []
        for n in nodes:
            if id(n) in anchors:
                out_nodes.extend(anchors[id(n)])
            if id(n) not in removed:
                out_nodes.append(n)
        del g.node[:]
        g.node.extend(out_nodes)
        toposort(model)
    return report
