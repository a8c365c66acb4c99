"""Saving a graph with its weights in external-data shards.

Every initializer goes to external data (as the pack writer does, size_threshold 0), packed in
graph order into shards of at most `shard_bytes` each; offsets are aligned to 64 bytes. File
names: `<graph>.onnx.data` when everything fits in one shard (the pack writer's name), else
`<graph>.onnx.data.0`, `<graph>.onnx.data.1`, ... A single tensor larger than a shard gets a
shard of its own (tensors are never split), and the report says so. A graph may instead point
some initializers into another graph's shards (`reuse`: unet_spatial reads unet's weights). The .onnx itself keeps only
the graph (and the small Constant-node tensors torch emits), far below protobuf's 2 GB limit.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

from .graph import tensor_bytes

ALIGN = 64
MIB = 1 << 20
GIB = 1 << 30


def _raw(t: TensorProto) -> bytes:
    if t.raw_data:
        return bytes(t.raw_data)
    arr = numpy_helper.to_array(t)
    return arr.astype(arr.dtype.newbyteorder("<")).tobytes()


def plan_shards(sizes: List[int], shard_bytes: int, align: int = ALIGN) -> List[List[int]]:
    """Greedy in-order packing: indices of the tensors in each shard."""
    shards: List[List[int]] = []
    used = None
    for k, n in enumerate(sizes):
        start = 0 if used is None else -(-used // align) * align
        if used is None or (start + n > shard_bytes and used > 0):
            shards.append([k])
            used = n
        else:
            shards[-1].append(k)
            used = start + n
    return shards


def shard_names(graph: str, count: int) -> List[str]:
    if count == 0:
        return []
    return [f"{graph}.onnx.data"] if count == 1 else [f"{graph}.onnx.data.{i}" for i in range(count)]


TensorKey = Tuple[int, Tuple[int, ...], str]  # (data type, dims, sha256 of the bytes)


def tensor_key(t: TensorProto, blob: bytes) -> TensorKey:
    return (t.data_type, tuple(t.dims), hashlib.sha256(blob).hexdigest())


def save_sharded(
    model: onnx.ModelProto, onnx_path: str | Path, shard_bytes: int = GIB,
    reuse: Optional[Dict[TensorKey, Tuple[str, int, int]]] = None, index: bool = False,
) -> Tuple[List[str], Dict[TensorKey, Tuple[str, int, int]], List[str]]:
    """Write onnx_path and its shards next to it (files of the same names are replaced).

    reuse: tensors already stored in another graph's shards ((file, offset, length) by key): an
    equal initializer points there instead of being written again (unet_spatial shares unet's
    weights this way). index: also return the key -> location map of what this call wrote.
    Returns (external files this graph reads, in order: own shards then reused files; index; notes)."""
    onnx_path = Path(onnx_path)
    graph = onnx_path.name[: -len(".onnx")] if onnx_path.name.endswith(".onnx") else onnx_path.name
    inits = list(model.graph.initializer)
    for t in inits:
        if t.data_location == TensorProto.EXTERNAL:
            raise ValueError(f"initializer {t.name} still refers to external data: load the model with its weights")

    def point(t: TensorProto, location: str, offset: int, length: int) -> None:
        for field in ("raw_data", "float_data", "int32_data", "int64_data", "double_data", "uint64_data", "string_data"):
            t.ClearField(field)
        del t.external_data[:]
        t.data_location = TensorProto.EXTERNAL
        for key, value in (("location", location), ("offset", str(offset)), ("length", str(length))):
            e = t.external_data.add()
            e.key, e.value = key, value

    reused_files: List[str] = []
    own: List[int] = []
    for k, t in enumerate(inits):
        hit = None
        if reuse:
            blob = _raw(t)
            hit = reuse.get(tensor_key(t, blob))
        if hit is None:
            own.append(k)
        else:
            point(t, *hit)
            if hit[0] not in reused_files:
                reused_files.append(hit[0])
    sizes = {k: tensor_bytes(inits[k]) for k in own}
    plan = plan_shards([sizes[k] for k in own], shard_bytes) if own else []
    files = shard_names(graph, len(plan))
    notes: List[str] = []
    written: Dict[TensorKey, Tuple[str, int, int]] = {}
    for name, idx in zip(files, plan):
        with open(onnx_path.parent / name, "wb") as f:
            for j in idx:
                t = inits[own[j]]
                blob = _raw(t)  # one tensor at a time: the raw bytes are dropped once written
                assert len(blob) == sizes[own[j]], t.name
                pos = f.tell()
                pad = -pos % ALIGN
                if pad:
                    f.write(b"\0" * pad)
                    pos += pad
                f.write(blob)
                if index:
                    written.setdefault(tensor_key(t, blob), (name, pos, len(blob)))
                point(t, name, pos, len(blob))
            if len(idx) == 1 and sizes[own[idx[0]]] > shard_bytes:
                notes.append(f"{name}: tensor {inits[own[idx[0]]].name} ({sizes[own[idx[0]]]:,} bytes) is larger than a shard")
    onnx_path.write_bytes(model.SerializeToString())
    return files + reused_files, written, notes


class SessionTooLarge(ValueError):
    """A graph's weights cannot be brought under the per-session limit (split.py raises it when one
    initializer alone is over the limit)."""
