"""Post-processes a written pack (format v1): MHA fusion, fp16, int8 weights, sharded external
data, the per-session size check (a graph over it is split into parts, split.py), and a manifest
that lists the new files honestly.

Order per graph: query chunking of the UNet's spatial attention (query_chunks.py, unet and
unet_spatial only) -> attention fusion (on the fp32 pattern torch emitted; each query chunk becomes
one MultiHeadAttention) -> fp16 -> int8 (the int8 pass then sees fp16 weights and adds the Cast
after DequantizeLinear) -> size check / split -> save. With query chunking the manifest's
`unet.attentionQueryChunks` lists the chunks per UNet level (the memory planner reads it).
A split graph `g` is saved as `g.part0.onnx`, `g.part1.onnx`, ... each with its own data files
(`g.part0.onnx.data`, or shards); its manifest entry keeps the whole graph's `inputs` / `outputs`
and lists `parts` (file, externalData, input and output names) in execution order.
Graph inputs/outputs keep the dtypes of the I/O contract (float32 / int64) in every variant; the
manifest's `dtype` says "float16" when the graphs compute in fp16 (the app must then find
`shader-f16` on WebGPU, or use wasm).
"""
from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import onnx

from ..export import ONNX_DTYPES, _dims, graph_io
from ..pack_writer import file_ref
from ..schema_check import validate_manifest
from .external import MIB, save_sharded
from .fp16 import convert_to_fp16
from .graph import op_counts, weight_bytes
from .int8 import quantize_int8
from .mha import fuse_attention
from .query_chunks import chunk_attention_queries
from .split import join_parts, split_model


# insightface's models keep the precision they ship in (fp32; SCRFD / ArcFace were not exported for
# fp16 / int8 here and are small: 16.9 / 174 MB): only sharding and the size check apply to them.
AS_SHIPPED = ("face_detector", "face_embedder")
# graphs whose spatial attention --attention-query-chunks splits (same levels, same schedule)
QUERY_CHUNKED = ("unet", "unet_spatial")


@dataclass
class OptimizeOptions:
    dtype: str = "fp32"  # fp32 | fp16
    quantize: Optional[str] = None  # None | int8
    attention: str = "plain"  # plain | mha
    shard_mb: float = 1024  # MiB per external-data shard
    max_session_mb: float = 4096  # MiB of weights one session may hold
    attention_query_chunks: int = 1  # UNet spatial attention over N query chunks at level 0 (1 = whole)

    def validate(self) -> None:
        if self.dtype not in ("fp32", "fp16"):
            raise ValueError(f"dtype {self.dtype!r}: fp32 or fp16")
        if self.quantize not in (None, "int8"):
            raise ValueError(f"quantize {self.quantize!r}: int8 or none")
        if self.attention not in ("plain", "mha"):
            raise ValueError(f"attention {self.attention!r}: plain or mha")
        if self.shard_mb <= 0 or self.max_session_mb <= 0:
            raise ValueError("shard_mb and max_session_mb must be positive")
        if not isinstance(self.attention_query_chunks, int) or self.attention_query_chunks < 1:
            raise ValueError(f"attention_query_chunks {self.attention_query_chunks!r}: a positive integer (1 = not chunked)")

    @property
    def is_noop(self) -> bool:
        return self.dtype == "fp32" and self.quantize is None and self.attention == "plain" and self.attention_query_chunks == 1


def optimize_graph(model: onnx.ModelProto, opts: OptimizeOptions, name: str = "") -> Dict[str, object]:
    report: Dict[str, object] = {}
    if opts.attention_query_chunks > 1 and name in QUERY_CHUNKED:
        qc = chunk_attention_queries(model, opts.attention_query_chunks)
        if qc.chunked == 0:
            raise ValueError(f"{name}: --attention-query-chunks {opts.attention_query_chunks} found no attention to chunk")
        report["query_chunks"] = qc.as_dict()
    if opts.attention == "mha":
        report["mha"] = fuse_attention(model).as_dict()
    if opts.dtype == "fp16":
        report["fp16"] = convert_to_fp16(model).as_dict()
    if opts.quantize == "int8":
        report["int8"] = quantize_int8(model).as_dict()
    return report


def _owner(file: str, graphs) -> Optional[str]:
    """The graph whose own data file `file` is (`<graph>[.part<j>].onnx.data[.k]`), if any."""
    base = file.rsplit("/", 1)[-1]
    for g in graphs:
        if re.fullmatch(rf"{re.escape(g)}(\.part\d+)?\.onnx\.data(\.\d+)?", base):
            return g
    return None


def _graph_files(spec: dict) -> List[dict]:
    """The .onnx file refs of a manifest graph entry (one, or one per part)."""
    return spec["parts"] if "parts" in spec else [spec]


def _load(pack: Path, spec: dict) -> onnx.ModelProto:
    if "parts" not in spec:
        return onnx.load(str(pack / spec["file"]), load_external_data=True)
    parts = [onnx.load(str(pack / p["file"]), load_external_data=True) for p in spec["parts"]]
    return join_parts(parts, spec["inputs"], spec["outputs"])


def _io(model: onnx.ModelProto) -> Dict[str, List[dict]]:
    """The whole graph's inputs/outputs as manifest TensorSpecs (export.graph_io, from memory)."""
    inits = {i.name for i in model.graph.initializer}
    spec = lambda v: {"name": v.name, "dtype": ONNX_DTYPES[v.type.tensor_type.elem_type], "shape": _dims(v.type)}  # noqa: E731
    return {"inputs": [spec(v) for v in model.graph.input if v.name not in inits], "outputs": [spec(v) for v in model.graph.output]}


def _save_split(model: onnx.ModelProto, name: str, stage: Path, shard_bytes: int, limit: int, reuse, index: bool):
    """Splits `model` (split.py) and saves `<name>.part<j>.onnx` + data; returns (manifest entry
    without file refs, key -> location index of what was written, notes)."""
    entry = {**_io(model), "parts": []}
    written: dict = {}
    notes: List[str] = []
    for j, part in enumerate(split_model(model, limit, name, release=True)):
        file = f"{name}.part{j}.onnx"
        files, w, n = save_sharded(part.model, stage / file, shard_bytes, reuse=reuse, index=index)
        for k, v in w.items():
            written.setdefault(k, v)
        notes += n
        entry["parts"].append({"file": file, "externalData": files, "inputs": part.inputs, "outputs": part.outputs,
                               "weight_bytes": part.weight_bytes})
    return entry, written, notes


def optimize_pack_in_place(pack_dir: str | Path, opts: OptimizeOptions) -> Dict[str, object]:
    """Rewrite every graph of the pack at pack_dir and its manifest; returns a report per graph.

    New files are written to a staging folder first (graphs may read another graph's data file,
    e.g. unet_spatial -> unet.onnx.data, so nothing is deleted until every graph is loaded); a
    graph that read another graph's data keeps sharing the equal tensors of that graph's new
    shards. On an error the folder may be left half-rewritten: `optimize_pack` is atomic."""
    opts.validate()
    pack = Path(pack_dir)
    manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
    shard_bytes = int(opts.shard_mb * MIB)
    limit = int(opts.max_session_mb * MIB)
    graphs = list(manifest["graphs"])
    if opts.attention_query_chunks > 1 and "attentionQueryChunks" in manifest["unet"]:
        raise ValueError(f"the pack's UNet attention is already query-chunked ({manifest['unet']['attentionQueryChunks']} per level)")
    for name in graphs:
        if any(Path(f["file"]).parent != Path(".") for f in _graph_files(manifest["graphs"][name])):
            raise ValueError(f"graph {name}: graphs in sub-folders are not supported")
    shares = {
        name: [o for o in (_owner(r["file"], graphs) for f in _graph_files(manifest["graphs"][name]) for r in f["externalData"])
               if o and o != name]
        for name in graphs
    }
    needed = {o for deps in shares.values() for o in deps}
    order = sorted(graphs, key=lambda g: (bool(shares[g]), graphs.index(g)))  # owners first
    stage = pack / ".optimize-stage"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir()
    report: Dict[str, object] = {}
    indexes: Dict[str, dict] = {}
    new_files: Dict[str, List[str]] = {}
    split: Dict[str, dict] = {}
    for name in order:
        spec = manifest["graphs"][name]
        started = time.time()
        model = _load(pack, spec)
        nodes_before = len(model.graph.node)
        rep = optimize_graph(model, opts, name) if name not in AS_SHIPPED else {"kept": "as shipped (fp32)"}
        rep["weight_bytes"] = weight_bytes(model)
        rep["nodes"] = [nodes_before, len(model.graph.node)]
        counts = op_counts(model)
        rep["ops"] = {k: counts[k] for k in ("MultiHeadAttention", "Softmax", "Cast", "DequantizeLinear") if k in counts}
        reuse = {}
        for other in shares[name]:
            reuse.update(indexes.get(other, {}))
        if rep["weight_bytes"] > limit:
            split[name], written, notes = _save_split(model, name, stage, shard_bytes, limit, reuse or None, name in needed)
            rep["parts"] = [p.pop("weight_bytes") for p in split[name]["parts"]]
        else:
            files, written, notes = save_sharded(model, stage / f"{name}.onnx", shard_bytes, reuse=reuse or None,
                                                 index=name in needed)
            new_files[name] = files
        del model
        indexes[name] = written
        if notes:
            rep["notes"] = notes
        rep["seconds"] = round(time.time() - started, 2)
        report[name] = rep
    # swap: drop every old graph file, move the new ones in
    for name in graphs:
        for f in _graph_files(manifest["graphs"][name]):
            (pack / f["file"]).unlink(missing_ok=True)
            for ref in f["externalData"]:
                (pack / ref["file"]).unlink(missing_ok=True)
    for f in sorted(stage.iterdir()):
        f.rename(pack / f.name)
    stage.rmdir()
    for name in graphs:
        if name in split:
            entry = split[name]
            for p in entry["parts"]:
                onnx.checker.check_model(str(pack / p["file"]))
            entry["parts"] = [{**file_ref(pack, p["file"]), "externalData": [file_ref(pack, f) for f in p["externalData"]],
                               "inputs": p["inputs"], "outputs": p["outputs"]} for p in entry["parts"]]
            manifest["graphs"][name] = entry
        else:
            path = pack / f"{name}.onnx"
            onnx.checker.check_model(str(path))
            manifest["graphs"][name] = {
                **file_ref(pack, f"{name}.onnx"),
                "externalData": [file_ref(pack, f) for f in new_files[name]],
                **graph_io(path),
            }
        files = _graph_files(manifest["graphs"][name])
        report[name]["onnx_bytes"] = sum(f["bytes"] for f in files)
        report[name]["external_data"] = [(r["file"], r["bytes"]) for f in files for r in f["externalData"]]
    if opts.dtype == "fp16":
        manifest["dtype"] = "float16"
    chunked = {name: report[name]["query_chunks"]["per_level"] for name in graphs if "query_chunks" in report[name]}
    if chunked:
        if "unet" not in chunked or len({tuple(v) for v in chunked.values()}) != 1:
            raise ValueError(f"query chunking differs between graphs: {chunked}")
        manifest["unet"]["attentionQueryChunks"] = chunked["unet"]
    errors = validate_manifest(manifest)
    if errors:
        raise ValueError("manifest does not match models/pack_schema.json:\n" + "\n".join(errors))
    (pack / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return {name: report[name] for name in graphs}


def optimize_pack(src_dir: str | Path, out_dir: str | Path, opts: OptimizeOptions, pack_id: Optional[str] = None,
                  name_suffix: str = "") -> Dict[str, object]:
    """Copy the pack at src_dir, optimize the copy and move it to out_dir (replaced) atomically.
    `pack_id` / `name_suffix` rename the copy (a variant must not share the source's id)."""
    src, out = Path(src_dir).resolve(), Path(out_dir).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        shutil.rmtree(work)
        shutil.copytree(src, work)
        if pack_id or name_suffix:
            mpath = work / "manifest.json"
            manifest = json.loads(mpath.read_text(encoding="utf-8"))
            if pack_id:
                manifest["id"] = pack_id
            if name_suffix:
                manifest["name"] = f"{manifest['name']} {name_suffix}"
            mpath.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        report = optimize_pack_in_place(work, opts)
        if out.exists():
            shutil.rmtree(out)
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return report


def variant_suffix(opts: OptimizeOptions) -> str:
    """`fp16`, `fp32-int8`, `fp16-int8-mha`, `fp16-mha-qc8`, ...: the part of a pack id that names the passes."""
    parts = [opts.dtype]
    if opts.quantize:
        parts.append(opts.quantize)
    if opts.attention == "mha":
        parts.append("mha")
    if opts.attention_query_chunks > 1:
        parts.append(f"qc{opts.attention_query_chunks}")
    return "-".join(parts)
