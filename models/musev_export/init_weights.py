"""Seeded random weights for the tiny demo pack: deterministic and non-degenerate.

- Linear / Conv weights: normal(0, gain / sqrt(fan_in)) (variance-preserving, so activations
  neither vanish nor explode through the residual stacks);
- biases: normal(0, 0.02); GroupNorm / LayerNorm: weight 1, bias normal(0, 0.02);
- embedding tables: normal(0, 0.5);
- temporal_weight: alternating +0.5 / -0.5 (|w| = 0.5 is used, so every temporal layer matters;
  MuseV initialises them to 1e-5 for training).
"""
from __future__ import annotations

import math

import torch
from torch import nn


@torch.no_grad()
def init_random_(module: nn.Module, seed: int, gain: float = 1.0, out_gain: dict | None = None) -> nn.Module:
    """Fill every parameter of `module` in state-dict order from one seeded CPU generator.

    out_gain maps a parameter name to an extra gain for that weight (e.g. a smaller conv_out)."""
    gen = torch.Generator().manual_seed(seed)
    out_gain = out_gain or {}
    norm_params = set()
    for mname, m in module.named_modules():
        if isinstance(m, (nn.GroupNorm, nn.LayerNorm)):
            norm_params.add(f"{mname}.weight" if mname else "weight")
    sign = 1.0
    for name, p in module.named_parameters():
        if name.endswith("temporal_weight"):
            p.fill_(0.5 * sign)
            sign = -sign
        elif name in norm_params:
            p.fill_(1.0)
        elif name.endswith("bias"):
            p.copy_(torch.randn(p.shape, generator=gen) * 0.02)
        elif "embedding.weight" in name and p.dim() == 2 and "linear" not in name:
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
        elif p.dim() >= 2:
            fan_in = math.prod(p.shape[1:])
            std = gain * out_gain.get(name, 1.0) / math.sqrt(fan_in)
            p.copy_(torch.randn(p.shape, generator=gen) * std)
        else:
            p.copy_(torch.randn(p.shape, generator=gen) * 0.02)
    return module
