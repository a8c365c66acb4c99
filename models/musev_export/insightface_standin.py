"""Tiny deterministic stand-ins for insightface buffalo_l's det_10g.onnx and w600k_r50.onnx and for
ip-adapter-faceid_sd15.bin, for the tests' fake checkpoint tree and the demo pack (no real weights
ship here). They carry the real files' I/O as insightface.py documents it:

- det_10g stand-in: "input.1" [1, 3, ?, ?] -> 9 outputs named "448", "471", "494" / "451", "474",
  "497" / "454", "477", "500" (scores / boxes / keypoints at strides 8, 16, 32), 2-D [N_s, 1|4|10],
  laid out as SCRFD's heads ((1, A*k, H, W) -> transpose (0, 2, 3, 1) -> reshape (-1, k)). A small
  conv net (strides 2, 4, 8, 16, 32) with biased heads: stride-32 anchor-0 scores have logit ~ +1.5
  (sigmoid ~0.8 > 0.5: a plain image gives faces), the others ~ -4; boxes ~1.5 strides each side;
  keypoints at eye / nose / mouth offsets from the anchor centre.
- w600k_r50 stand-in: "input.1" [N, 3, 112, 112] -> "683" [N, 512] (4 stride-2 convs, Gemm).
- faceid bin: {"image_proj": MLPProjModel (E 512, hidden 64, 4 tokens x D), "ip_adapter": the 32
  k/v weights of the UNet's 16 attn2 sites + LoRA keys (rank 4) for all 32 processor indices}.

`python -m musev_export.insightface_standin <folder>` writes det_10g.onnx and w600k_r50.onnx there.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

from .insightface import DET_10G_OUTPUTS, EMBEDDING_DIM, STRIDES, W600K_R50_OUTPUT

SEEDS = {"detector": 1010, "embedder": 1011, "proj": 1008, "face_kv": 1009, "lora": 1012}
OPSET = 11
KPS_OFFSETS = [-0.6, -0.5, 0.6, -0.5, 0.0, 0.05, -0.45, 0.6, 0.45, 0.6]  # 5 points (dx, dy), strides


class _Builder:
    def __init__(self, seed: int):
        self.rng = np.random.RandomState(seed)
        self.nodes, self.inits = [], []

    def const(self, name: str, arr) -> str:
        self.inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def conv(self, x: str, name: str, cin: int, cout: int, k: int, stride: int, gain=1.0, bias=None) -> str:
        w = self.rng.standard_normal((cout, cin, k, k)) * gain / np.sqrt(cin * k * k)
        b = self.rng.standard_normal(cout) * 0.02 if bias is None else np.asarray(bias, np.float64)
        self.const(f"{name}.weight", w.astype(np.float32))
        self.const(f"{name}.bias", b.astype(np.float32))
        self.nodes.append(helper.make_node("Conv", [x, f"{name}.weight", f"{name}.bias"], [name], name=name,
                                           kernel_shape=[k, k], strides=[stride, stride], pads=[k // 2] * 4))
        return name

    def op(self, op: str, inputs, out: str, **attrs) -> str:
        self.nodes.append(helper.make_node(op, list(inputs), [out], name=out, **attrs))
        return out

    def model(self, graph_name: str, inputs, outputs) -> onnx.ModelProto:
        g = helper.make_graph(self.nodes, graph_name, inputs, outputs, self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="musev_export-standin")
        m.ir_version = 6
        onnx.checker.check_model(m)
        return m


def standin_detector() -> onnx.ModelProto:
    b = _Builder(SEEDS["detector"])
    x = "input.1"
    ch = [8, 8, 16, 16, 16]
    feats, h = {}, x
    for i, c in enumerate(ch):
        h = b.op("Relu", [b.conv(h, f"backbone.{i}", 3 if i == 0 else ch[i - 1], c, 3, 2)], f"backbone.{i}.relu")
        if 2 ** (i + 1) in STRIDES:
            feats[2 ** (i + 1)] = h
    outs = {}
    for s in STRIDES:
        f = feats[s]
        logit = [1.5, -4.0] if s == 32 else [-4.0, -4.0]
        heads = {
            "score": b.op("Sigmoid", [b.conv(f, f"head.score_{s}", 16, 2, 1, 1, gain=0.3, bias=logit)], f"head.score_{s}.sigmoid"),
            "bbox": b.conv(f, f"head.bbox_{s}", 16, 8, 1, 1, gain=0.1, bias=[1.5] * 8),
            "kps": b.conv(f, f"head.kps_{s}", 16, 20, 1, 1, gain=0.05, bias=KPS_OFFSETS * 2),
        }
        for kind, k in (("score", 1), ("bbox", 4), ("kps", 10)):
            t = b.op("Transpose", [heads[kind]], f"head.{kind}_{s}.nhwc", perm=[0, 2, 3, 1])
            outs[(kind, s)] = (t, k)
    outputs = []
    names = iter(DET_10G_OUTPUTS)
    for kind in ("score", "bbox", "kps"):
        for s in STRIDES:
            t, k = outs[(kind, s)]
            name = next(names)
            b.const(f"{name}.shape", np.array([-1, k], np.int64))
            b.op("Reshape", [t, f"{name}.shape"], name)
            outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, [(640 // s) ** 2 * 2, k]))
    inp = helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, 3, "?", "?"])
    # declared rows are those of a 640x640 input, as a shape-inferred det_10g export would show
    return b.model("torch-jit-export", [inp], outputs)


def standin_embedder() -> onnx.ModelProto:
    b = _Builder(SEEDS["embedder"])
    h, c = "input.1", 3
    for i, cout in enumerate([8, 16, 16, 16]):  # 112 -> 56 -> 28 -> 14 -> 7
        h = b.op("Relu", [b.conv(h, f"body.{i}", c, cout, 3, 2)], f"body.{i}.relu")
        c = cout
    flat = b.op("Flatten", [h], "flatten", axis=1)
    w = b.rng.standard_normal((EMBEDDING_DIM, c * 49)) / np.sqrt(c * 49)
    b.const("fc.weight", w.astype(np.float32))
    b.const("fc.bias", (b.rng.standard_normal(EMBEDDING_DIM) * 0.02).astype(np.float32))
    b.op("Gemm", [flat, "fc.weight", "fc.bias"], W600K_R50_OUTPUT, transB=1)
    inp = helper.make_tensor_value_info("input.1", TensorProto.FLOAT, ["None", 3, 112, 112])
    out = helper.make_tensor_value_info(W600K_R50_OUTPUT, TensorProto.FLOAT, ["None", EMBEDDING_DIM])
    return b.model("torch-jit-export", [inp], [out])


def tiny_faceid_file(unet, hidden: int = 64, tokens: int = 4, lora_rank: int = 4) -> Dict[str, Dict[str, torch.Tensor]]:
    """ip-adapter-faceid_sd15.bin's layout at the UNet's widths (D = cross_attention_dim), fp16 as
    the real file. MLPProjModel hidden is 1024 in the real file; sizes come from the tensors."""
    from .faceid import MLPProjModel, face_attn2_sites, site_keys
    from .init_weights import init_random_

    dim = unet.config["cross_attention_dim"]
    proj = init_random_(MLPProjModel({"id_embeddings_dim": EMBEDDING_DIM, "hidden_dim": hidden,
                                      "cross_attention_dim": dim, "num_tokens": tokens}), SEEDS["proj"])
    g = torch.Generator().manual_seed(SEEDS["face_kv"])
    lora = torch.Generator().manual_seed(SEEDS["lora"])
    ip = {}
    for i, (_, attn2) in enumerate(face_attn2_sites(unet)):
        c = attn2.channels
        for n in (2 * i, 2 * i + 1):  # LoRA on attn1 (even) and attn2 (odd) processors; MuseV ignores them
            for p in ("q", "k", "v", "out"):
                ip[f"{n}.to_{p}_lora.down.weight"] = torch.randn(lora_rank, c, generator=lora) * 0.1
                ip[f"{n}.to_{p}_lora.up.weight"] = torch.zeros(c, lora_rank)
        k, v = site_keys(i)
        ip[k] = torch.randn(c, dim, generator=g) / dim ** 0.5
        ip[v] = torch.randn(c, dim, generator=g) / dim ** 0.5
    half = lambda sd: {k: t.detach().half() for k, t in sd.items()}  # noqa: E731
    return {"image_proj": half(proj.state_dict()), "ip_adapter": half(ip)}


def write_standins(folder) -> None:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    onnx.save_model(standin_detector(), str(folder / "det_10g.onnx"))
    onnx.save_model(standin_embedder(), str(folder / "w600k_r50.onnx"))


if __name__ == "__main__":
    write_standins(sys.argv[1])
