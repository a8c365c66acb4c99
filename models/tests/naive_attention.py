"""A per-head softmax(q k^T / sqrt(d)) v written the slow, obvious way: the tests' independent
restatement of attention to compare the exporter's modules against."""
from __future__ import annotations

import math

import torch


def naive_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, heads: int) -> torch.Tensor:
    """q (n, Lq, C), k/v (n, Lk, C) -> (n, Lq, C), one head of C / heads channels at a time."""
    c = q.shape[-1]
    d = c // heads
    outs = []
    for h in range(heads):
        sl = slice(h * d, (h + 1) * d)
        w = torch.softmax(q[..., sl] @ k[..., sl].transpose(1, 2) / math.sqrt(d), dim=-1)
        outs.append(w @ v[..., sl])
    return torch.cat(outs, dim=-1)
