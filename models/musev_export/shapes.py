"""Shape helpers that export as a single ONNX Reshape / Gather instead of long
Shape-Gather-Unsqueeze-Concat chains.

torch 1.13's exporter is roughly quadratic in graph size, and every `x.shape[i]` used in a
reshape adds ~5 nodes. `reshape0` emits one Reshape with ONNX semantics (0 = copy the input
dim at that index, -1 = infer); the eager path computes the same thing, so PyTorch and ONNX
run identical maths.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence

import torch


def _onnx_target_shape(x: torch.Tensor, shape: Sequence[int]) -> List[int]:
    return [x.shape[i] if s == 0 else int(s) for i, s in enumerate(shape)]


class _Reshape(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, shape: torch.Tensor) -> torch.Tensor:  # noqa: D401
        return x.reshape(_onnx_target_shape(x, shape.tolist()))

    @staticmethod
    def symbolic(g, x, shape):
        return g.op("Reshape", x, shape)


def reshape0(x: torch.Tensor, shape) -> torch.Tensor:
    """ONNX-semantics reshape. `shape`: list of ints or a 1-D int64 tensor (0 copies, -1 infers)."""
    if not torch.is_tensor(shape):
        shape = torch.tensor(list(shape), dtype=torch.int64)
    return _Reshape.apply(x, shape)


@dataclass
class FrameInfo:
    """Per-call frame bookkeeping, computed once per UNet run and shared by every layer.

    num_frames: T (traced when exporting); bt_shape: int64 [-1, T] (prefix of reshapes that split
    B*T); batch_rows: int64 (B*T,), the batch item of every folded row (b-major, = row // T);
    cond_rows: int64 (B*T,), the row of the cond frame (frame 0) of the same batch item.
    rows: int64 arange(B*T).
    """

    num_frames: object
    bt_shape: torch.Tensor
    batch_rows: torch.Tensor
    cond_rows: torch.Tensor
    rows: torch.Tensor = None  # arange(B*T)

    @staticmethod
    def from_sample(sample: torch.Tensor) -> "FrameInfo":
        shp = torch._shape_as_tensor(sample)  # [B, C, T, h, w]
        t = shp[2]
        rows = torch.arange(shp[0] * t, dtype=torch.int64)
        batch_rows = torch.div(rows, t, rounding_mode="trunc")  # rows >= 0: one integer Div in ONNX
        return FrameInfo(
            num_frames=sample.shape[2],
            bt_shape=torch.cat([torch.tensor([-1], dtype=torch.int64), shp[2:3]]),
            batch_rows=batch_rows,
            cond_rows=batch_rows * t,
            rows=rows,
        )

    def not_cond_rows(self) -> torch.Tensor:
        """float (B*T, 1): 0 on the cond frame's rows (frame 0 of each batch item) when T > 1, else 1
        (MuseV zeroes the cond frame's time embedding only when num_frames > 1)."""
        keep = (self.rows != self.cond_rows) | (self.bt_shape[1:2] == 1)
        return keep.to(torch.float32)[:, None]

    def split_frames(self, x: torch.Tensor, c: int) -> torch.Tensor:
        """(B*T, C, H, W) -> (B, T, C, H*W); c = C as a Python int (the module knows it)."""
        flat = reshape0(x, [0, 0, 1, -1])  # (B*T, C, 1, HW)
        return reshape0(flat, torch.cat([self.bt_shape, torch.tensor([c, 0], dtype=torch.int64)]))
