"""Small shared pieces: config reading, strict state-dict loading, norms that export cleanly."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Mapping

import torch
from torch import nn


def read_json(path: str | Path) -> dict:
    with open(path, "r", encoding="utf-8") as f:
        return json.load(f)


class StateDictMismatch(RuntimeError):
    """Raised when a checkpoint does not match a module's keys or shapes exactly."""


def load_state_dict_strict(
    module: nn.Module,
    state_dict: Mapping[str, torch.Tensor],
    ignorable: Iterable[str] = (),
) -> None:
    """Load `state_dict` into `module`, consuming every key.

    Fails with an error naming every missing key, unexpected key and shape mismatch. Keys listed
    in `ignorable` may be present in the checkpoint without being used (e.g. the
    `text_model.embeddings.position_ids` buffer old transformers versions saved).
    """
    own = module.state_dict()
    ignorable = set(ignorable)
    missing = [k for k in own if k not in state_dict]
    unexpected = [k for k in state_dict if k not in own and k not in ignorable]
    bad_shape = [
        f"{k}: checkpoint {tuple(state_dict[k].shape)} vs module {tuple(own[k].shape)}"
        for k in own
        if k in state_dict and tuple(state_dict[k].shape) != tuple(own[k].shape)
    ]
    if missing or unexpected or bad_shape:
        lines = [f"state dict does not match {type(module).__name__}:"]
        if missing:
            lines.append(f"  missing keys ({len(missing)}): {', '.join(missing[:20])}" + (" ..." if len(missing) > 20 else ""))
        if unexpected:
            lines.append(f"  unexpected keys ({len(unexpected)}): {', '.join(unexpected[:20])}" + (" ..." if len(unexpected) > 20 else ""))
        if bad_shape:
            lines.append(f"  shape mismatches ({len(bad_shape)}): {'; '.join(bad_shape[:20])}")
        raise StateDictMismatch("\n".join(lines))
    filtered = {k: state_dict[k] for k in own}
    module.load_state_dict(filtered, strict=True)


def group_norm(num_channels: int, groups: int, eps: float) -> nn.GroupNorm:
    """torch GroupNorm; exports at opset 17 as InstanceNormalization + Reshape + Mul + Add."""
    return nn.GroupNorm(num_groups=groups, num_channels=num_channels, eps=eps, affine=True)


class Conv3x1as2d(nn.Module):
    """A temporal Conv3d with kernel (3,1,1) and padding (1,0,0), stored with Conv3d's weight
    shape (out, in, 3, 1, 1) so state-dict keys and shapes match MuseV, but run as a Conv2d with
    kernel (3,1) over a (B, C, T, H*W) layout (identical maths, ONNX/WebGPU friendly)."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(out_channels, in_channels, 3, 1, 1))
        self.bias = nn.Parameter(torch.zeros(out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, C, T, HW)
        return nn.functional.conv2d(x, self.weight[..., 0], self.bias, padding=(1, 0))
