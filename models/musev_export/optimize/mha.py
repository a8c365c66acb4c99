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
`skipped` with the reason. The pattern is matched by attention_sites.py (shared with the query
chunking of query_chunks.py); this pass adds its own checks (equal heads, the output transpose and
merge reshape above, no mask at rank 5).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List

import numpy as np
import onnx
from onnx import helper, numpy_helper

from .attention_sites import AttentionSites, NoMatch
from .graph import MS_DOMAIN, Names, ensure_opset, remove_dead


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


def fuse_attention(model: onnx.ModelProto) -> MhaReport:
    report = MhaReport()
    sites = AttentionSites(model)
    names = Names(model)

    for sm in sites.softmaxes():
        report.softmax_sites += 1
        try:
            site = sites.match(sm, masks=True)
            rank, heads, d = site.rank, site.q.heads, site.q.dim
            if (site.k.heads, site.k.dim) != (heads, d) or site.v.heads != heads:
                raise NoMatch("q/k/v head layouts differ")
            site.check_output_perm()
            merge = sites.const(site.out_reshape.input[1])
            if merge is None or [int(x) for x in merge] != [0] * (rank - 3) + [-1, heads * site.v.dim]:
                raise NoMatch(f"output merge reshape {None if merge is None else merge.tolist()}")
            if site.mask is not None and rank != 4:
                raise NoMatch("rank-5 attention with a mask")
        except NoMatch as e:
            report.skip(str(e))
            continue

        q_in, k_in, v_in, bias, out_r = site.q_in, site.k_in, site.v_in, site.mask, site.out_reshape
        scale = site.q_scale * site.score_scale
        attrs = {"num_heads": heads}
        if not math.isclose(scale, 1.0 / math.sqrt(d), rel_tol=1e-6):
            attrs["scale"] = float(scale)
        base = out_r.output[0].rsplit("/", 1)[0] if "/" in out_r.output[0] else out_r.output[0]
        new: List[onnx.NodeProto] = []
        if rank == 4:
            mha_out = out_r.output[0]
            mha_in = [q_in, k_in, v_in]
            if bias is not None:  # inputs: query, key, value, bias, key_padding_mask, attention_bias
                if site.mask_rank < 4:  # numpy broadcasting aligns from the right: (L, L) -> (1, 1, L, L)
                    axes = names.new(f"{base}/mha_bias_axes")
                    bias4 = names.new(f"{base}/mha_bias_4d")
                    new += [
                        helper.make_node("Constant", [], [axes], name=names.new(f"{axes}/Constant"),
                                         value=numpy_helper.from_array(np.arange(4 - site.mask_rank, dtype=np.int64), axes)),
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
        sites.replace(site, new)
        report.fused += 1

    if report.fused:
        sites.splice(model)
        ensure_opset(model, MS_DOMAIN, 1)
        remove_dead(model)
    return report
