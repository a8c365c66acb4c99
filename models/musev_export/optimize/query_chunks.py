"""Query-chunked attention: softmax(q k^T / sqrt(d)) v computed over n slices of the queries.

Softmax normalises each query row on its own, so attention over rows [a, b) of the queries, with
all keys and values, is exactly rows [a, b) of the full result: slicing the queries into chunks
and concatenating the chunks' outputs changes nothing but the size of the largest scores tensor,
which becomes (..., ⌈S_q / n⌉, S_k) instead of (..., S_q, S_k). That is what the memory planner
(src/core/memoryPlan.ts) needs when one window's level-0 self-attention scores exceed the GPU's
storage-binding limit (512×320, 13 frames: 5.45 GB).

The pass rewrites the plain attention that torch 1.13 exports (the pattern optimize/mha.py
documents, matched by optimize/attention_sites.py) at every UNet site whose per-head tensors have rank 4 — the spatial self / reference /
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

from .attention_sites import AttentionSites, NoMatch
from .graph import Names

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
    report = QueryChunkReport(chunks=chunks, per_level=query_chunk_schedule(chunks, levels))
    sites = AttentionSites(model)
    names = Names(model)

    for sm in sites.softmaxes():
        report.softmax_sites += 1
        try:
            site = sites.match(sm, masks=False)
            rank = site.rank
            if rank == 5:
                raise NoMatch("temporal attention (rank-5 heads, S = frames): not chunked")
            level = site_level(sm.name, levels, resnets)
            if level is None:
                raise ValueError(f"query chunking: cannot tell the UNet level of attention {sm.name!r}")
            report.sites_per_level[level] = report.sites_per_level.get(level, 0) + 1
            n = report.per_level[level]
            if n == 1:
                raise NoMatch(f"level {level}: 1 chunk")
            site.check_output_perm()
            merge = sites.const(site.out_reshape.input[1])
            if merge is None or [int(x) for x in merge][: rank - 2] != [0] * (rank - 3) + [-1]:
                raise NoMatch("output merge reshape")
        except NoMatch as e:
            report.skip(str(e))
            continue

        pattern, q_src, out_r = site.nodes, site.q_in, site.out_reshape
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
                # q_src is replaced only as the input of the q chain (pattern[0]: the Mul, or q's head
                # Reshape); k_in / v_in stay whole
                copy.input.extend(rename[x] if x in internal or (x == q_src and node is pattern[0]) else x for x in node.input)
                del copy.output[:]
                for o in node.output:
                    rename[o] = names.new(f"{base}/qchunk{i}/{o.rsplit('/', 1)[-1]}")
                    copy.output.append(rename[o])
                new.append(copy)
            parts.append(rename[out_r.output[0]])
        new.append(helper.make_node("Concat", parts, [out_r.output[0]], name=names.new(f"{base}/qchunk_concat/Concat"), axis=-2))
        sites.replace(site, new)
        report.chunked += 1

    if report.chunked:
        sites.splice(model)
    return report
