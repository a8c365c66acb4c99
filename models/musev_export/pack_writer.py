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

from .export import export_all, graph_io
from .presets import DEFAULTS, SD15_EULER, Models
from .schema_check import validate_manifest
from .tokenizer_builder import BOS, EOS, merges_txt, vocab_json

GRAPH_ORDER = ("text_encoder", "vae_encoder", "vae_decoder", "unet")
MAX_LENGTH = 77


def file_ref(root: Path, rel: str) -> Dict[str, object]:
    data = (root / rel).read_bytes()
    return {"file": rel, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def build_manifest(root: Path, models: Models, info: dict, scheduler: dict, defaults: dict) -> dict:
    graphs = {}
    for name in GRAPH_ORDER:
        ref = file_ref(root, f"{name}.onnx")
        io = graph_io(root / ref["file"])
        graphs[name] = {**ref, "externalData": [file_ref(root, f"{name}.onnx.data")], **io}
    vae_cfg, unet_cfg = models.vae.config, models.unet.config
    eos = models.vocab[EOS]
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
        },
        "scheduler": dict(scheduler),
        "vae": {
            "scalingFactor": vae_cfg.get("scaling_factor", 0.18215),
            "latentChannels": vae_cfg["latent_channels"],
            "downscale": 2 ** (len(vae_cfg["block_out_channels"]) - 1),
        },
        "unet": {
            "crossAttentionDim": unet_cfg["cross_attention_dim"],
            "frameIndexUsesMotionSpeed": bool(unet_cfg.get("use_anivv1_cfg", False)),
            "latentMultiple": 2 ** models.unet.num_upsamplers,
        },
        "defaults": dict(defaults),
    }


def write_pack(
    models: Models, out_dir: str | Path, info: dict, scheduler: dict = SD15_EULER, defaults: dict = DEFAULTS
) -> Tuple[dict, List[Tuple[str, int]]]:
    """Export everything into out_dir (replaced). Returns (manifest, [(file, bytes)])."""
    out_dir = Path(out_dir).resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        export_all(models.text_encoder, models.vae, models.unet, work)
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
