"""insightface buffalo_l graphs in the pack, by graph surgery on the shipped ONNX files (MMCM's
InsightFaceExtractorNormEmb = insightface FaceAnalysis(name='buffalo_l'), det_size 640x640).

The models are used as insightface ships them; only their I/O is renamed to the pack contract:

    face_detector  (det_10g.onnx, SCRFD-10GF): image float32 [1, 3, 640, 640] (RGB, (x - 127.5) / 128)
        -> score_8 [12800, 1], score_16 [3200, 1], score_32 [800, 1]   (sigmoid scores)
           bbox_8 [12800, 4], bbox_16, bbox_32                          (l, t, r, b distances, in strides)
           kps_8 [12800, 10], kps_16, kps_32                            (5 points (dx, dy), in strides)
        N_s = (640 / s)^2 * 2 anchors; row (y * W_s + x) * 2 + a is anchor a of cell (x, y), centre
        (x * s, y * s) (insightface scrfd.py).
    face_embedder  (w600k_r50.onnx, ArcFace R50): face float32 [1, 3, 112, 112] (RGB aligned face,
        (x - 127.5) / 127.5) -> embedding [1, 512] (not normalised; MuseV uses the L2-normed one)

What we believe the shipped files look like (insightface model_zoo scrfd.py / arcface_onnx.py and
third-party code that pins them): det_10g has one input "input.1" [1, 3, ?, ?] and 9 outputs, 2-D,
named "448", "471", "494" (scores, strides 8/16/32), "451", "474", "497" (boxes), "454", "477", "500"
(keypoints); insightface reads them by position (scores 0-2, boxes 3-5, kps 6-8). w600k_r50 has
"input.1" [N, 3, 112, 112] -> "683" [N, 512]. The surgery does not rely on the names: the detector's
outputs are matched by their declared last dim (1 / 4 / 10) when all are declared, else by position,
and checked against N_s when declared; a batch dim on the outputs is squeezed away.
"""
from __future__ import annotations

import copy
from typing import Dict, List

import onnx
from onnx import helper

DETECTOR_SIZE = 640
STRIDES = (8, 16, 32)
ANCHORS = 2
ALIGN_SIZE = 112
EMBEDDING_DIM = 512
FACE_ANALYSIS = {
    "detectorSize": DETECTOR_SIZE, "scoreThreshold": 0.5, "nmsThreshold": 0.4,
    "strides": list(STRIDES), "anchorsPerCell": ANCHORS, "alignSize": ALIGN_SIZE,
}
KINDS = (("score", 1), ("bbox", 4), ("kps", 10))  # SCRFD output groups, in output order
DET_10G_OUTPUTS = ("448", "471", "494", "451", "474", "497", "454", "477", "500")  # documentation only
W600K_R50_OUTPUT = "683"  # documentation only


class FaceGraphError(ValueError):
    pass


def anchors(stride: int, size: int = DETECTOR_SIZE) -> int:
    return (size // stride) ** 2 * ANCHORS


def _dims(v: onnx.ValueInfoProto) -> List[object]:
    return [d.dim_param if d.HasField("dim_param") else (d.dim_value if d.HasField("dim_value") else None)
            for d in v.type.tensor_type.shape.dim]


def _set_dims(v: onnx.ValueInfoProto, dims) -> None:
    shape = v.type.tensor_type.shape
    del shape.dim[:]
    for d in dims:
        shape.dim.add().dim_value = int(d)


def _tensor_names(g: onnx.GraphProto) -> set:
    names = {i.name for i in g.initializer} | {v.name for v in g.input}
    for n in g.node:
        names.update(n.input)
        names.update(n.output)
    return names


def _rename(g: onnx.GraphProto, old: str, new: str) -> None:
    for n in g.node:
        n.input[:] = [new if x == old else x for x in n.input]
        n.output[:] = [new if x == old else x for x in n.output]
    for v in list(g.input) + list(g.output) + list(g.value_info):
        if v.name == old:
            v.name = new


def _opset(model: onnx.ModelProto) -> int:
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)


def _rename_input(model: onnx.ModelProto, new: str, dims: List[int], what: str) -> None:
    g = model.graph
    inits = {i.name for i in g.initializer}
    inputs = [v for v in g.input if v.name not in inits]
    if len(inputs) != 1:
        raise FaceGraphError(f"{what}: expected one image input, found {[v.name for v in inputs]}")
    if new in _tensor_names(g) - {inputs[0].name}:
        raise FaceGraphError(f"{what}: a tensor is already named {new!r}")
    _rename(g, inputs[0].name, new)
    _set_dims(inputs[0], dims)


def _rename_output(model: onnx.ModelProto, v: onnx.ValueInfoProto, new: str, dims: List[int]) -> None:
    """Output `v` becomes `new` with `dims`; a leading batch dim (rank one more) is squeezed away."""
    g = model.graph
    if new in _tensor_names(g) - {v.name}:
        raise FaceGraphError(f"a tensor is already named {new!r}")
    if len(_dims(v)) == len(dims) + 1:
        old = v.name
        if _opset(model) >= 13:
            axes = f"{new}_squeeze_axes"  # a Constant, not an initializer: see int_initializers_to_constants
            g.node.append(helper.make_node("Constant", [], [axes], name=axes,
                                           value=helper.make_tensor(axes, onnx.TensorProto.INT64, [1], [0])))
            g.node.append(helper.make_node("Squeeze", [old, axes], [new], name=f"{new}_squeeze"))
        else:
            g.node.append(helper.make_node("Squeeze", [old], [new], name=f"{new}_squeeze", axes=[0]))
        v.name = new
    else:
        _rename(g, v.name, new)
    _set_dims(v, dims)


def detector_outputs_by_kind(outputs: List[onnx.ValueInfoProto]) -> List[onnx.ValueInfoProto]:
    """The 9 outputs in SCRFD order (scores 8/16/32, boxes, kps): by declared last dim (then row
    count) when every output declares it, else by position; checked against N_s where declared."""
    if len(outputs) != 3 * len(STRIDES):
        raise FaceGraphError(f"face_detector: expected 9 SCRFD outputs (3 strides x score/bbox/kps), got {len(outputs)}")
    last = [_dims(v)[-1] if _dims(v) else None for v in outputs]
    rows = [_dims(v)[-2] if len(_dims(v)) >= 2 else None for v in outputs]
    if all(isinstance(d, int) and d > 0 for d in last):
        ordered = []
        for _, k in KINDS:  # within a kind: stride 8, 16, 32 = most rows first when declared, else position
            group = [j for j, d in enumerate(last) if d == k]
            if all(isinstance(rows[j], int) and rows[j] > 0 for j in group):
                group.sort(key=lambda j: -rows[j])
            ordered += [outputs[j] for j in group]
        if [_dims(v)[-1] for v in ordered] != [k for _, k in KINDS for _ in STRIDES]:
            raise FaceGraphError(f"face_detector: output last dims {last} are not 3x1, 3x4, 3x10")
    else:
        ordered = list(outputs)
    for i, v in enumerate(ordered):
        (kind, k), stride = KINDS[i // 3], STRIDES[i % 3]
        dims = _dims(v)
        rows = dims[-2] if len(dims) >= 2 else None
        if (isinstance(dims[-1] if dims else None, int) and dims[-1] not in (0, k)) or (
                isinstance(rows, int) and rows > 0 and rows != anchors(stride)):
            raise FaceGraphError(f"face_detector: output {i} {v.name!r} {dims} is not {kind} of stride {stride} "
                                 f"([{anchors(stride)}, {k}])")
    return ordered


def rename_detector(model: onnx.ModelProto) -> onnx.ModelProto:
    """det_10g.onnx with the face_detector contract (a copy; the weights are untouched)."""
    m = copy.deepcopy(model)
    int_initializers_to_constants(m)
    _rename_input(m, "image", [1, 3, DETECTOR_SIZE, DETECTOR_SIZE], "face_detector")
    ordered = detector_outputs_by_kind(list(m.graph.output))
    for i, v in enumerate(ordered):
        (kind, k), stride = KINDS[i // 3], STRIDES[i % 3]
        _rename_output(m, v, f"{kind}_{stride}", [anchors(stride), k])
    out = sorted(m.graph.output, key=lambda v: ordered_names().index(v.name))
    del m.graph.output[:]
    m.graph.output.extend(out)
    onnx.checker.check_model(m)
    return m


def ordered_names() -> List[str]:
    return [f"{kind}_{s}" for kind, _ in KINDS for s in STRIDES]


def rename_embedder(model: onnx.ModelProto) -> onnx.ModelProto:
    """w600k_r50.onnx with the face_embedder contract (a copy)."""
    m = copy.deepcopy(model)
    int_initializers_to_constants(m)
    _rename_input(m, "face", [1, 3, ALIGN_SIZE, ALIGN_SIZE], "face_embedder")
    if len(m.graph.output) != 1:
        raise FaceGraphError(f"face_embedder: expected one output, got {[v.name for v in m.graph.output]}")
    v = m.graph.output[0]
    if _dims(v) and isinstance(_dims(v)[-1], int) and _dims(v)[-1] not in (0, EMBEDDING_DIM):
        raise FaceGraphError(f"face_embedder: output {v.name!r} {_dims(v)} is not [N, {EMBEDDING_DIM}]")
    _rename_output(m, v, "embedding", [1, EMBEDDING_DIM])
    onnx.checker.check_model(m)
    return m


def save_with_external_data(model: onnx.ModelProto, out_dir, name: str) -> None:
    """<name>.onnx + <name>.onnx.data (every initializer external, as the other graphs)."""
    from pathlib import Path

    out_dir = Path(out_dir)
    m = copy.deepcopy(model)
    m.doc_string = ""
    for p in (out_dir / f"{name}.onnx", out_dir / f"{name}.onnx.data"):
        if p.exists():
            p.unlink()
    onnx.save_model(m, str(out_dir / f"{name}.onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=f"{name}.onnx.data", size_threshold=0, convert_attribute=False)


def int_initializers_to_constants(model: onnx.ModelProto) -> None:
    """Integer initializers (Reshape targets and the like) become Constant nodes: onnxruntime's
    load-time shape inference cannot read a Reshape shape from external data, and every pack writer
    (this one, the optimize passes' shards) puts all initializers there."""
    g = model.graph
    ints = [i for i in g.initializer if i.data_type not in (onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16)]
    names = {i.name for i in ints}
    consts = [helper.make_node("Constant", [], [i.name], name=f"{i.name}_const", value=i) for i in ints]
    for i in ints:
        g.initializer.remove(i)
    keep = [v for v in g.input if v.name not in names]  # IR < 4 models list initializers as inputs too
    del g.input[:]
    g.input.extend(keep)
    nodes = consts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)


def face_graphs(detector: onnx.ModelProto, embedder: onnx.ModelProto) -> Dict[str, onnx.ModelProto]:
    return {"face_detector": rename_detector(detector), "face_embedder": rename_embedder(embedder)}
