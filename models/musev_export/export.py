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
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

from .clip_vision import CLIPVisionModelWithProjection
from .image_proj import ImageProjModel
from .referencenet import ReferenceNet2D, ReferenceNetGraph
from .spatial import SpatialSurgeryError, derive_unet_spatial
from .text_encoder import CLIPTextModel
from .unet3d import UNet3DConditionModel, UNetGraph, unet_input_names
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
    share_data_with: Optional[str] = None  # reuse <that graph>.onnx.data (see _share_external_data)


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


def ref_dims(level: int) -> Tuple[str, str]:
    """Dimension names of a ReferenceNet feature `level` downsamplings below the reference latent."""
    if level == 0:
        return "ref_height", "ref_width"
    return f"ref_height/{2 ** level}", f"ref_width/{2 ** level}"


def ref_feature_io(unet: UNet3DConditionModel) -> Dict[str, List[object]]:
    """name -> shape of ref_d0.., ref_mid (the ReferenceNet outputs = the UNet's ref inputs)."""
    specs, (mid_c, mid_level) = unet.ref_feature_specs()
    out = {f"ref_d{k}": ["batch", c, *ref_dims(level)] for k, (c, level) in enumerate(specs)}
    out["ref_mid"] = ["batch", mid_c, *ref_dims(mid_level)]
    return out


# Reference latent size of the export examples: 40x48 gives 40x48, 20x24, 10x12, 5x6 per level,
# none equal to a sample / batch / token size of the UNet example.
REF_EXAMPLE_HW = (40, 48)


def unet_export(unet: UNet3DConditionModel, skip_temporal: bool = False) -> GraphExport:
    """Traced with batch 3, 4 frames, 16x16 latents, 7 text tokens (referencenet families: 9 IP tokens,
    reference latent 40x48; FaceID: 11 face tokens): no traced size equals 1 or another size, so no
    dimension gets specialised by accident. skip_temporal: the `unet_spatial` graph (same I/O)."""
    g = torch.Generator().manual_seed(0)
    cfg = unet.config
    sample = torch.randn(3, cfg["in_channels"], 4, 16, 16, generator=g)
    timestep = torch.tensor([999.0])
    context = torch.randn(3, 7, cfg["cross_attention_dim"], generator=g)
    frame_index = torch.arange(4, dtype=torch.int64)
    latent_axes = {0: "batch", 2: "frames", 3: "latent_height", 4: "latent_width"}
    example = [sample, timestep, context, frame_index]
    axes = {
        "sample": latent_axes,
        "encoder_hidden_states": {0: "batch", 1: "seq"},
        "frame_index": {0: "frames"},
        "noise_pred": latent_axes,
    }
    shapes = {
        "sample": ["batch", cfg["in_channels"], "frames", "latent_height", "latent_width"],
        "timestep": [1],
        "encoder_hidden_states": ["batch", "seq", cfg["cross_attention_dim"]],
        "frame_index": ["frames"],
    }
    if unet.ip_adapter:
        example += [torch.randn(3, 9, cfg["cross_attention_dim"], generator=g), torch.tensor([0.75])]
        axes["ip_tokens"] = {0: "batch", 1: "ip_seq"}
        shapes["ip_tokens"] = ["batch", "ip_seq", cfg["cross_attention_dim"]]
        shapes["ip_scale"] = [1]
    if unet.refer_slices is not None:
        h, w = REF_EXAMPLE_HW
        specs, mid = unet.ref_feature_specs()
        for (name, shape), (c, level) in zip(ref_feature_io(unet).items(), specs + [mid]):
            example.append(torch.randn(3, c, h >> level, w >> level, generator=g))
            axes[name] = {0: "batch", 2: shape[2], 3: shape[3]}
            shapes[name] = shape
    if unet.face_dim is not None:  # FaceID tokens: 11 traced (unlike every other size)
        example += [torch.randn(3, 11, unet.face_dim, generator=g), torch.tensor([0.6])]
        axes["face_tokens"] = {0: "batch", 1: "face_seq"}
        shapes["face_tokens"] = ["batch", "face_seq", unet.face_dim]
        shapes["face_scale"] = [1]
    shapes["noise_pred"] = ["batch", cfg["out_channels"], "frames", "latent_height", "latent_width"]
    names = unet_input_names(unet)
    assert names == [n for n in shapes if n != "noise_pred"]
    return GraphExport(
        "unet_spatial" if skip_temporal else "unet", UNetGraph(unet, skip_temporal), tuple(example),
        names, ["noise_pred"], axes, shapes, skip_shape_inference=True,
    )


def referencenet_export(net: ReferenceNet2D, unet: UNet3DConditionModel) -> GraphExport:
    """Outputs the features the UNet reads (ref_d0..ref_d{n-1}, ref_mid), n from the UNet's quirk."""
    g = torch.Generator().manual_seed(0)
    cfg = net.config
    h, w = REF_EXAMPLE_HW
    sample = torch.randn(3, cfg["in_channels"], h, w, generator=g)
    timestep = torch.tensor([0.0])
    context = torch.randn(3, 9, cfg["cross_attention_dim"], generator=g)
    io = ref_feature_io(unet)
    if [c for _, c, *_ in io.values()][:-1] != [c for c, _ in net.feature_specs()[: len(io) - 1]]:
        raise ValueError("ReferenceNet feature channels do not match the UNet's refer attentions")
    axes = {"sample": {0: "batch", 2: "ref_height", 3: "ref_width"}, "encoder_hidden_states": {0: "batch", 1: "seq"}}
    axes.update({name: {0: "batch", 2: shape[2], 3: shape[3]} for name, shape in io.items()})
    shapes = {
        "sample": ["batch", cfg["in_channels"], "ref_height", "ref_width"],
        "timestep": [1],
        "encoder_hidden_states": ["batch", "seq", cfg["cross_attention_dim"]],
        **io,
    }
    return GraphExport(
        "referencenet", ReferenceNetGraph(net, len(io) - 1), (sample, timestep, context),
        ["sample", "timestep", "encoder_hidden_states"], list(io), axes, shapes, skip_shape_inference=True,
    )


def image_proj_export(model: ImageProjModel) -> GraphExport:
    g = torch.Generator().manual_seed(0)
    emb = torch.randn(3, model.config["clip_embeddings_dim"], generator=g)
    return GraphExport(
        "image_proj", model, (emb,), ["image_embeds"], ["ip_tokens"],
        {"image_embeds": {0: "batch"}, "ip_tokens": {0: "batch"}},
        {
            "image_embeds": ["batch", model.config["clip_embeddings_dim"]],
            "ip_tokens": ["batch", model.tokens, model.dim],
        },
    )


def clip_vision_export(model: CLIPVisionModelWithProjection) -> GraphExport:
    g = torch.Generator().manual_seed(0)
    cfg = model.config
    size = cfg["image_size"]
    pixels = torch.randn(3, cfg.get("num_channels", 3), size, size, generator=g)
    return GraphExport(
        "clip_vision", model, (pixels,), ["pixel_values"], ["image_embeds"],
        {"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}},
        {
            "pixel_values": ["batch", cfg.get("num_channels", 3), size, size],
            "image_embeds": ["batch", cfg["projection_dim"]],
        },
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


def _ensure_inputs(model: onnx.ModelProto, spec: GraphExport) -> None:
    """torch drops graph inputs the traced computation does not use (unet_spatial never reads
    `frame_index`): put them back, in contract order, so every graph of a kind has the same inputs."""
    g = model.graph
    have = {v.name: v for v in g.input}
    missing = [n for n in spec.input_names if n not in have]
    if not missing:
        return
    dtypes = {"frame_index": onnx.TensorProto.INT64}
    for n in missing:
        have[n] = onnx.helper.make_tensor_value_info(n, dtypes.get(n, onnx.TensorProto.FLOAT), None)
    rest = [v for v in g.input if v.name not in spec.input_names]
    ordered = [have[n] for n in spec.input_names] + rest
    del g.input[:]
    g.input.extend(ordered)


def _share_external_data(model: onnx.ModelProto, out_dir: Path, other: str) -> Tuple[int, int]:
    """Point every initializer whose bytes (and type) equal one stored in out_dir/<other>.onnx.data at
    that tensor's offset/length there, so two graphs of the same weights share one data file; the
    others (small folded constants) stay inside the .onnx. Returns (shared, inline) counts."""
    other_model = onnx.load(str(out_dir / f"{other}.onnx"), load_external_data=False)
    data_name = f"{other}.onnx.data"
    blob = (out_dir / data_name).read_bytes()
    index: Dict[Tuple[int, bytes], Tuple[int, int]] = {}
    for init in other_model.graph.initializer:
        ext = {e.key: e.value for e in init.external_data}
        if ext.get("location") != data_name:
            continue
        off, length = int(ext.get("offset", 0)), int(ext["length"])
        index.setdefault((init.data_type, blob[off : off + length]), (off, length))
    shared = inline = 0
    for init in model.graph.initializer:
        raw = numpy_helper.to_array(init).tobytes()
        hit = index.get((init.data_type, raw))
        if hit is None:
            inline += 1
            continue
        fresh = onnx.TensorProto()
        fresh.CopyFrom(init)
        fresh.ClearField("raw_data")
        for field in ("float_data", "int32_data", "int64_data", "double_data", "uint64_data", "string_data"):
            fresh.ClearField(field)
        fresh.data_location = onnx.TensorProto.EXTERNAL
        for key, value in (("location", data_name), ("offset", str(hit[0])), ("length", str(hit[1]))):
            entry = fresh.external_data.add()
            entry.key, entry.value = key, value
        init.CopyFrom(fresh)
        shared += 1
    return shared, inline


def export_graph(spec: GraphExport, out_dir: str | Path) -> Tuple[Path, Path]:
    """Export one graph to out_dir/<name>.onnx and out_dir/<name>.onnx.data (or, with
    spec.share_data_with, pointing into that graph's data file); returns both paths."""
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
    _ensure_inputs(model, spec)
    _set_dims(model, spec.shapes)
    if spec.share_data_with:
        if onnx_path.exists():
            onnx_path.unlink()
        _share_external_data(model, out_dir, spec.share_data_with)
        onnx.save_model(model, str(onnx_path))
        onnx.checker.check_model(str(onnx_path))
        return onnx_path, out_dir / f"{spec.share_data_with}.onnx.data"
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


def external_files(onnx_path: str | Path) -> List[str]:
    """The external data files a graph's initializers point at (sorted, relative to the graph)."""
    model = onnx.load(str(onnx_path), load_external_data=False)
    locs = set()
    for init in model.graph.initializer:
        if init.data_location == onnx.TensorProto.EXTERNAL:
            locs.update(e.value for e in init.external_data if e.key == "location")
    return sorted(locs)


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


def unet_spatial_export(unet: UNet3DConditionModel) -> GraphExport:
    """The traced variant (fallback of export_unet_spatial): weights matched by content to unet.onnx.data."""
    spec = unet_export(unet, skip_temporal=True)
    spec.share_data_with = "unet"
    return spec


def export_unet_spatial(unet: UNet3DConditionModel, out_dir: str | Path, trace: bool = False) -> Tuple[Path, Path]:
    """unet_spatial.onnx next to an exported unet.onnx: by graph surgery on unet.onnx (spatial.py,
    ~1 s), or by tracing the UNet with skip_temporal=True (trace=True, or when the surgery cannot
    find the temporal modules). Either way its initializers point into unet.onnx.data."""
    out_dir = Path(out_dir)
    if not trace:
        try:
            derive_unet_spatial(out_dir / "unet.onnx", out_dir / "unet_spatial.onnx")
            return out_dir / "unet_spatial.onnx", out_dir / "unet.onnx.data"
        except SpatialSurgeryError as e:
            warnings.warn(f"unet_spatial: graph surgery failed ({e}); tracing instead")
    return export_graph(unet_spatial_export(unet), out_dir)


def export_all(
    text_encoder: CLIPTextModel, vae: AutoencoderKL, unet: UNet3DConditionModel, out_dir: str | Path,
    names: Sequence[str] = ("text_encoder", "vae_encoder", "vae_decoder", "unet"),
    referencenet: Optional[ReferenceNet2D] = None, image_proj: Optional[ImageProjModel] = None,
    clip_vision: Optional[CLIPVisionModelWithProjection] = None,
) -> Dict[str, Tuple[Path, Path]]:
    """Exports `names` in order (unet_spatial needs unet's data file, so it comes after unet)."""
    specs = {
        "text_encoder": lambda: text_encoder_export(text_encoder),
        "vae_encoder": lambda: vae_encoder_export(vae),
        "vae_decoder": lambda: vae_decoder_export(vae),
        "unet": lambda: unet_export(unet),
        "referencenet": lambda: referencenet_export(referencenet, unet),
        "image_proj": lambda: image_proj_export(image_proj),
        "clip_vision": lambda: clip_vision_export(clip_vision),
    }
    return {n: export_unet_spatial(unet, out_dir) if n == "unet_spatial" else export_graph(specs[n](), out_dir) for n in names}
