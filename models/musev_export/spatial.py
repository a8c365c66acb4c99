"""`unet_spatial.onnx` derived from the exported `unet.onnx` by graph surgery (no second trace).

MuseV's skip_temporal_layers=True turns transformer_in, every TemporalConvLayer and every
TransformerTemporalModel into identity. Each of those modules ends in `x + |w| * h` (the Add that
leaves its scope, e.g. `/unet/down_blocks.0/temp_convs.0/Add`); rewiring that Add's output to its
outside input `x` and dropping what is then unused (the temporal modules, the frame embedding)
gives exactly the UNet with those modules as identity. The remaining initializers keep their names
and their external-data entries, so unet_spatial points into `unet.onnx.data` and adds no weights.
`frame_index` stays a graph input (unused) so both graphs have the same inputs.

The parity test checks the result against the PyTorch UNet run with skip_temporal=True. If the
node names do not carry module scopes (other torch versions), `SpatialSurgeryError` is raised and
the exporter falls back to tracing the UNet with skip_temporal=True (export.unet_export).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Set

import onnx

TEMPORAL_SCOPE = re.compile(r"^(/unet/(?:transformer_in|(?:down_blocks\.\d+|up_blocks\.\d+|mid_block)/(?:temp_convs|temp_attentions)\.\d+))/")


class SpatialSurgeryError(RuntimeError):
    pass


def _scopes(nodes) -> Dict[str, List[int]]:
    out: Dict[str, List[int]] = {}
    for i, n in enumerate(nodes):
        m = TEMPORAL_SCOPE.match(n.name)
        if m:
            out.setdefault(m.group(1), []).append(i)
    return out


def skip_temporal(model: onnx.ModelProto) -> int:
    """In place: temporal modules -> identity, dead nodes / initializers removed. Returns how many
    temporal modules were bypassed."""
    g = model.graph
    nodes = list(g.node)
    scopes = _scopes(nodes)
    if not scopes:
        raise SpatialSurgeryError("no temporal module scopes in the node names")
    consumers: Dict[str, Set[int]] = {}
    for i, n in enumerate(nodes):
        for name in n.input:
            consumers.setdefault(name, set()).add(i)
    graph_outputs = {o.name for o in g.output}
    rename: Dict[str, str] = {}
    for scope, idx in scopes.items():
        inside = set(idx)
        produced = {o for i in idx for o in nodes[i].output}
        leaving = [
            i for i in idx
            if any(o in graph_outputs or consumers.get(o, set()) - inside for o in nodes[i].output)
        ]
        adds = [i for i in leaving if nodes[i].op_type == "Add"]
        if not adds:
            raise SpatialSurgeryError(f"{scope}: no residual Add leaves the module")
        final = nodes[max(adds)]
        outside = [x for x in final.input if x not in produced]
        if len(outside) != 1:
            raise SpatialSurgeryError(f"{scope}: residual Add {final.name} has {len(outside)} inputs from outside")
        rename[final.output[0]] = outside[0]

    def resolve(name: str) -> str:
        while name in rename:
            name = rename[name]
        return name

    for n in nodes:
        for k, name in enumerate(n.input):
            if name in rename:
                n.input[k] = resolve(name)
    for o in g.output:
        if o.name in rename:
            raise SpatialSurgeryError(f"graph output {o.name} is a temporal module's output")
    # dead code elimination, from the graph outputs back
    needed = set(graph_outputs)
    keep = []
    for n in reversed(nodes):
        if any(o in needed for o in n.output):
            keep.append(n)
            needed.update(x for x in n.input if x)
    keep.reverse()
    del g.node[:]
    g.node.extend(keep)
    used = {x for n in keep for x in n.input}
    dead = [i for i in g.initializer if i.name not in used]
    for i in dead:
        g.initializer.remove(i)
    live_values = used | {o for n in keep for o in n.output}
    stale = [v for v in g.value_info if v.name not in live_values]
    for v in stale:
        g.value_info.remove(v)
    return len(scopes)


def derive_unet_spatial(unet_onnx: str | Path, out_onnx: str | Path) -> int:
    """Writes out_onnx (next to unet_onnx: the external-data locations are relative) from unet_onnx."""
    unet_onnx, out_onnx = Path(unet_onnx), Path(out_onnx)
    if unet_onnx.parent.resolve() != out_onnx.parent.resolve():
        raise ValueError("unet_spatial must sit next to unet.onnx (it points into unet.onnx.data)")
    model = onnx.load(str(unet_onnx), load_external_data=False)
    n = skip_temporal(model)
    onnx.save_model(model, str(out_onnx))
    onnx.checker.check_model(str(out_onnx))
    return n
