"""ONNX export (opset 17, dynamic axes) of the four graphs, weights in one external data file each.

Each graph is traced with torch.onnx.export into a scratch folder, re-loaded with onnx and saved
as `<graph>.onnx` + `<graph>.onnx.data` (all initializers external, size_threshold 0), so the
browser passes the weights through `externalData` with path == location.
"""
from __future__ import annotations

import inspect
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

from .text_encoder import CLIPTextModel
from .unet3d import UNet3DConditionModel, UNetGraph
from .vae import AutoencoderKL, VaeDecoderGraph, VaeEncoderGraph

OPSET = 17
ONNX_DTYPES = {1: "float32", 10: "float16", 7: "int64", 6: "int32"}


@dataclass
class GraphExport:
    name: str
    module: nn.Module
    example: Tuple[torch.Tensor, ...]
    input_names: List[str]
    output_names: List[str]
    dynamic_axes: Dict[str, Dict[int, str]]
    shapes: Dict[str, List[object]]  # the I/O contract: every input/output's dims (ints or names)
    skip_shape_inference: bool = False  # see _torch_export


def text_encoder_export(model: CLIPTextModel) -> GraphExport:
    vocab = model.config["vocab_size"]
    seq = model.config["max_position_embeddings"]
    ids = torch.arange(2 * seq, dtype=torch.int64).reshape(2, seq) % vocab
    return GraphExport(
        "text_encoder", model, (ids,), ["input_ids"], ["last_hidden_state"],
        {"input_ids": {0: "batch"}, "last_hidden_state": {0: "batch"}},
        {"input_ids": ["batch", seq], "last_hidden_state": ["batch", seq, model.config["hidden_size"]]},
    )


def vae_encoder_export(vae: AutoencoderKL) -> GraphExport:
    g = torch.Generator().manual_seed(0)
    image = torch.rand(2, vae.config["in_channels"], 64, 64, generator=g) * 2 - 1
    return GraphExport(
        "vae_encoder", VaeEncoderGraph(vae), (image,), ["image"], ["latent_mean"],
        {"image": {0: "batch", 2: "height", 3: "width"}, "latent_mean": {0: "batch", 2: "latent_height", 3: "latent_width"}},
        {
            "image": ["batch", vae.config["in_channels"], "height", "width"],
            "latent_mean": ["batch", vae.config["latent_channels"], "latent_height", "latent_width"],
        },
    )


def vae_decoder_export(vae: AutoencoderKL) -> GraphExport:
    g = torch.Generator().manual_seed(0)
    latent = torch.randn(2, vae.config["latent_channels"], 8, 8, generator=g)
    return GraphExport(
        "vae_decoder", VaeDecoderGraph(vae), (latent,), ["latent"], ["image"],
        {"latent": {0: "batch", 2: "latent_height", 3: "latent_width"}, "image": {0: "batch", 2: "height", 3: "width"}},
        {
            "latent": ["batch", vae.config["latent_channels"], "latent_height", "latent_width"],
            "image": ["batch", vae.config["out_channels"], "height", "width"],
        },
    )


def unet_export(unet: UNet3DConditionModel) -> GraphExport:
    """Traced with batch 3, 4 frames, 16x16 latents, 7 text tokens: no traced size equals 1 or
    another size, so no dimension gets specialised by accident."""
    g = torch.Generator().manual_seed(0)
    cfg = unet.config
    sample = torch.randn(3, cfg["in_channels"], 4, 16, 16, generator=g)
    timestep = torch.tensor([999.0])
    context = torch.randn(3, 7, cfg["cross_attention_dim"], generator=g)
    frame_index = torch.arange(4, dtype=torch.int64)
    latent_axes = {0: "batch", 2: "frames", 3: "latent_height", 4: "latent_width"}
    return GraphExport(
        "unet", UNetGraph(unet), (sample, timestep, context, frame_index),
        ["sample", "timestep", "encoder_hidden_states", "frame_index"], ["noise_pred"],
        {
            "sample": latent_axes,
            "encoder_hidden_states": {0: "batch", 1: "seq"},
            "frame_index": {0: "frames"},
            "noise_pred": latent_axes,
        },
        {
            "sample": ["batch", cfg["in_channels"], "frames", "latent_height", "latent_width"],
            "timestep": [1],
            "encoder_hidden_states": ["batch", "seq", cfg["cross_attention_dim"]],
            "frame_index": ["frames"],
            "noise_pred": ["batch", cfg["out_channels"], "frames", "latent_height", "latent_width"],
        },
        skip_shape_inference=True,
    )


def _set_dims(model: onnx.ModelProto, shapes: Dict[str, List[object]]) -> None:
    """Write the contract's dims on the graph inputs/outputs (torch leaves some outputs unnamed)."""
    for v in list(model.graph.input) + list(model.graph.output):
        if v.name not in shapes:
            continue
        shape = v.type.tensor_type.shape
        del shape.dim[:]
        for d in shapes[v.name]:
            dim = shape.dim.add()
            if isinstance(d, str):
                dim.dim_param = d
            else:
                dim.dim_value = int(d)


def _torch_export(spec: GraphExport, path: str) -> None:
    """torch.onnx.export. For the UNet, torch's per-node ONNX shape inference is skipped when this
    torch allows it (torch 1.13: the private `_export(onnx_shape_inference=False)` cuts the UNet
    export from ~100 s to ~17 s). Some symbolics need it (F.pad in the VAE encoder emits an invalid
    ConcatFromSequence without it), so the small graphs keep it. Parity tests check all graphs."""
    kwargs = dict(
        input_names=spec.input_names, output_names=spec.output_names, dynamic_axes=spec.dynamic_axes,
        opset_version=OPSET, do_constant_folding=True,
    )
    private = getattr(torch.onnx.utils, "_export", None)
    fast = spec.skip_shape_inference and private is not None
    if fast and "onnx_shape_inference" in inspect.signature(private).parameters:
        private(spec.module, spec.example, path, onnx_shape_inference=False, **kwargs)
    else:
        torch.onnx.export(spec.module, spec.example, path, **kwargs)


def _fold_abs_of_initializers(model: onnx.ModelProto) -> None:
    """Replace Abs(initializer) by a constant initializer |w| (torch's constant folding skips Abs):
    the |temporal_weight| scalars become plain constants, as the spec's exporter notes suggest.
    torch de-duplicates equal initializers behind Identity nodes, so Identity(initializer) is
    looked through; Identity nodes and initializers left unused are dropped."""
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    alias = {n.output[0]: n.input[0] for n in g.node if n.op_type == "Identity" and n.input[0] in inits}
    nodes = []
    for node in g.node:
        src = alias.get(node.input[0], node.input[0]) if node.op_type == "Abs" else None
        if src in inits:
            g.initializer.append(numpy_helper.from_array(np.abs(numpy_helper.to_array(inits[src])), node.output[0]))
        else:
            nodes.append(node)
    outputs = {o.name for o in g.output}
    used = {name for n in nodes for name in n.input} | outputs
    nodes = [n for n in nodes if n.op_type != "Identity" or n.output[0] in used]
    used = {name for n in nodes for name in n.input} | outputs
    dead = [i for i in g.initializer if i.name not in used]
    for i in dead:
        g.initializer.remove(i)
    del g.node[:]
    g.node.extend(nodes)


def _strip(model: onnx.ModelProto) -> None:
    """Drop free-text fields that could vary between runs; keep the graph itself untouched."""
    model.doc_string = ""
    model.graph.doc_string = ""
    for node in model.graph.node:
        node.doc_string = ""


def export_graph(spec: GraphExport, out_dir: str | Path) -> Tuple[Path, Path]:
    """Export one graph to out_dir/<name>.onnx and out_dir/<name>.onnx.data; returns both paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path = out_dir / f"{spec.name}.onnx"
    data_name = f"{spec.name}.onnx.data"
    data_path = out_dir / data_name
    spec.module.eval()
    with tempfile.TemporaryDirectory(prefix=f"export-{spec.name}-") as tmp:
        tmp_path = os.path.join(tmp, "model.onnx")
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _torch_export(spec, tmp_path)
        model = onnx.load(tmp_path, load_external_data=True)
    _strip(model)
    _fold_abs_of_initializers(model)
    _set_dims(model, spec.shapes)
    for p in (onnx_path, data_path):
        if p.exists():
            p.unlink()  # onnx appends to an existing external data file
    onnx.save_model(
        model, str(onnx_path), save_as_external_data=True, all_tensors_to_one_file=True,
        location=data_name, size_threshold=0, convert_attribute=False,
    )
    onnx.checker.check_model(str(onnx_path))
    return onnx_path, data_path


def _dims(t: onnx.TypeProto) -> List[object]:
    return [d.dim_param if d.dim_param else int(d.dim_value) for d in t.tensor_type.shape.dim]


def graph_io(onnx_path: str | Path) -> Dict[str, List[dict]]:
    """The graph's inputs/outputs as manifest TensorSpecs ({name, dtype, shape})."""
    model = onnx.load(str(onnx_path), load_external_data=False)
    init_names = {i.name for i in model.graph.initializer}

    def spec(v: onnx.ValueInfoProto) -> dict:
        return {"name": v.name, "dtype": ONNX_DTYPES[v.type.tensor_type.elem_type], "shape": _dims(v.type)}

    return {
        "inputs": [spec(v) for v in model.graph.input if v.name not in init_names],
        "outputs": [spec(v) for v in model.graph.output],
    }


def export_all(
    text_encoder: CLIPTextModel, vae: AutoencoderKL, unet: UNet3DConditionModel, out_dir: str | Path,
    names: Sequence[str] = ("text_encoder", "vae_encoder", "vae_decoder", "unet"),
) -> Dict[str, Tuple[Path, Path]]:
    specs = {
        "text_encoder": lambda: text_encoder_export(text_encoder),
        "vae_encoder": lambda: vae_encoder_export(vae),
        "vae_decoder": lambda: vae_decoder_export(vae),
        "unet": lambda: unet_export(unet),
    }
    return {n: export_graph(specs[n](), out_dir) for n in names}
