"""Writes a model pack (format v1): graphs + external data, tokenizer files, manifest.json.

The pack is assembled in a scratch folder next to the target and moved into place at the end, so
a failed export never leaves a half-written pack behind. manifest.json is validated against
models/pack_schema.json before it is written.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Dict, List, Tuple

from .clip_vision import CLIP_MEAN, CLIP_STD
from .export import export_all, export_graph, external_files, graph_io
from .faceid import face_manifest, face_proj_export
from .insightface import face_graphs, save_with_external_data
from .presets import DEFAULTS, SD15_EULER, Models
from .schema_check import validate_manifest
from .tokenizer_builder import BOS, EOS, merges_txt, vocab_json
from .unet3d.model import architecture

CORE_GRAPHS = ("text_encoder", "vae_encoder", "vae_decoder", "unet")
REFERENCENET_GRAPHS = ("referencenet", "image_proj", "clip_vision")
FACE_GRAPHS = ("face_detector", "face_embedder", "face_proj")
GRAPH_ORDER = CORE_GRAPHS + ("unet_spatial",) + REFERENCENET_GRAPHS + FACE_GRAPHS
MAX_LENGTH = 77


def graph_names(models: Models) -> tuple:
    """Every pack gets the core graphs and unet_spatial (it shares unet.onnx.data, so it costs only
    its graph file); the referencenet families add ReferenceNet, ImageProjModel and CLIP vision."""
    names = CORE_GRAPHS + ("unet_spatial",)
    if models.referencenet is not None:
        names += REFERENCENET_GRAPHS
    if models.face is not None:  # IP-Adapter FaceID: insightface graphs + MLPProjModel (faceid.py)
        names += FACE_GRAPHS
    return names


def file_ref(root: Path, rel: str) -> Dict[str, object]:
    data = (root / rel).read_bytes()
    return {"file": rel, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def build_manifest(root: Path, models: Models, info: dict, scheduler: dict, defaults: dict) -> dict:
    graphs = {}
    for name in graph_names(models):
        ref = file_ref(root, f"{name}.onnx")
        io = graph_io(root / ref["file"])
        graphs[name] = {**ref, "externalData": [file_ref(root, f) for f in external_files(root / ref["file"])], **io}
    vae_cfg, unet_cfg = models.vae.config, models.unet.config
    eos = models.vocab[EOS]
    unet = {
        "crossAttentionDim": unet_cfg["cross_attention_dim"],
        "frameIndexUsesMotionSpeed": bool(unet_cfg.get("use_anivv1_cfg", False)),
        "latentMultiple": 2 ** models.unet.num_upsamplers,
    }
    extra = {}
    if models.referencenet is not None:
        unet["ipAdapter"] = {
            "tokens": models.image_proj.tokens,
            "clipEmbeddingDim": models.image_proj.config["clip_embeddings_dim"],
        }
        unet["referenceNet"] = True
        extra["clipVision"] = {"imageSize": models.clip_vision.config["image_size"], "mean": list(CLIP_MEAN), "std": list(CLIP_STD)}
    if models.face is not None:
        unet["ipAdapterFace"], extra["faceAnalysis"] = face_manifest(models.face)
    return {
        "format": "musev-web-pack",
        "formatVersion": 1,
        **{k: info[k] for k in ("id", "version", "name", "description", "family", "randomWeights", "dtype")},
        "graphs": graphs,
        "tokenizer": {
            "type": "clip-bpe",
            "vocab": file_ref(root, "tokenizer/vocab.json"),
            "merges": file_ref(root, "tokenizer/merges.txt"),
            "maxLength": MAX_LENGTH,
            "bosTokenId": models.vocab[BOS],
            "eosTokenId": eos,
            "padTokenId": eos,
            **({"addedTokens": [dict(t) for t in models.added_tokens]} if models.added_tokens else {}),
        },
        "scheduler": dict(scheduler),
        "vae": {
            "scalingFactor": vae_cfg.get("scaling_factor", 0.18215),
            "latentChannels": vae_cfg["latent_channels"],
            "downscale": 2 ** (len(vae_cfg["block_out_channels"]) - 1),
        },
        "unet": unet,
        **extra,
        "defaults": dict(defaults),
    }


def write_pack(
    models: Models, out_dir: str | Path, info: dict, scheduler: dict = SD15_EULER, defaults: dict = DEFAULTS
) -> Tuple[dict, List[Tuple[str, int]]]:
    """Export everything into out_dir (replaced). Returns (manifest, [(file, bytes)])."""
    if architecture(info["family"]) != models.unet.arch:
        raise ValueError(f"family {info['family']!r} does not match the UNet config ({models.unet.arch} architecture)")
    extras = (models.referencenet, models.image_proj, models.clip_vision)
    if models.unet.arch == "musev_referencenet" and any(m is None for m in extras):
        raise ValueError("the referencenet families need referencenet, image_proj and clip_vision models")
    if models.unet.arch == "musev" and any(m is not None for m in extras):
        raise ValueError("the musev family has no referencenet / image_proj / clip_vision")
    out_dir = Path(out_dir).resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        traced = [n for n in graph_names(models) if n not in FACE_GRAPHS]
        export_all(
            models.text_encoder, models.vae, models.unet, work, names=traced,
            referencenet=models.referencenet, image_proj=models.image_proj, clip_vision=models.clip_vision,
        )
        if models.face is not None:
            export_graph(face_proj_export(models.face.proj), work)
            for name, graph in face_graphs(models.face.detector, models.face.embedder).items():
                save_with_external_data(graph, work, name)
        (work / "tokenizer").mkdir()
        (work / "tokenizer" / "vocab.json").write_bytes(vocab_json(models.vocab))
        (work / "tokenizer" / "merges.txt").write_bytes(merges_txt(models.merges))
        manifest = build_manifest(work, models, info, scheduler, defaults)
        errors = validate_manifest(manifest)
        if errors:
            raise ValueError("manifest does not match models/pack_schema.json:\n" + "\n".join(errors))
        text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
        (work / "manifest.json").write_text(text, encoding="utf-8")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        work.rename(out_dir)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    files = sorted((str(p.relative_to(out_dir)), p.stat().st_size) for p in out_dir.rglob("*") if p.is_file())
    return manifest, files
