"""`python -m musev_export tree`: one pack per family from a MuseV checkpoint tree, post-processed
for the browser (fp16 / int8 / MultiHeadAttention / sharded external data).

The tree is read exactly as MuseV's README lays it out (HF `TMElyralab/MuseV` cloned into
`./checkpoints`, spec section 5):

    <root>/motion/musev/unet/                              UNet3D, family musev
    <root>/motion/musev_referencenet/unet/                 UNet3D, family musev_referencenet
    <root>/motion/musev_referencenet/referencenet/         ReferenceNet2D (both referencenet families)
    <root>/motion/musev_referencenet/ip_adapter_image_proj.bin
    <root>/motion/musev_referencenet_pose/unet/            UNet3D, family musev_referencenet_pose
    <root>/motion/musev_referencenet_pose/ip_adapter_image_proj.bin
    <root>/t2i/sd1.5/<sd-model>/                           SD1.5 base: unet/, text_encoder/, tokenizer/, scheduler/
    <root>/IP-Adapter/models/image_encoder/                CLIP ViT-H/14 vision tower (referencenet families)
    <root>/vae/sd-vae-ft-mse/                              VAE (else <sd-model>/vae)
    <root>/embedding/                                      textual-inversion files (optional): vector 0 of each
                                                           becomes one new token (textual_inversion.py)
    <root>/IP-Adapter/models/ip-adapter-faceid_sd15.bin    --faceid: MLPProjModel + the UNet's face k/v (faceid.py)
    <root>/insightface/models/buffalo_l/                   --faceid: det_10g.onnx, w600k_r50.onnx (insightface.py)

Each family's pack goes to <out>/<pack-id>/ (replaced atomically), pack-id = `<family>-<variant>`
with underscores as dashes, e.g. `musev-fp16`, `musev-referencenet-fp16-int8-mha`; `--tiny` writes
the tiny random-weights presets instead (no checkpoints read), ids prefixed `tiny-`.
"""
from __future__ import annotations

import argparse
import inspect
import shutil
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .optimize import OptimizeOptions, optimize_pack, variant_suffix
from .optimize.external import SessionTooLarge
from .textual_inversion import TextualInversionError, apply_embedding_folder

FAMILIES = ("musev", "musev_referencenet", "musev_referencenet_pose")
DEFAULT_SD_MODEL = "majicmixRealv6Fp16"


class NotSupportedYet(RuntimeError):
    pass


QUERY_CHUNKS_HELP = ("compute the UNet's spatial attention (self / reference / cross) over N query chunks at level 0 "
                     "and ceil(N/4^l) at level l, one MultiHeadAttention (or MatMul-Softmax-MatMul) per chunk with all "
                     "keys: the largest attention tensor shrinks N-fold, same numbers (softmax is per query); for GPUs "
                     "whose storage-binding limit is below one window's scores (512x320, 13 frames: 5.45 GB). "
                     "2..64 for SD1.5's 4 levels; default 1 = not chunked. The manifest records it "
                     "(unet.attentionQueryChunks) and the memory planner uses it")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--checkpoints", help="checkpoint root laid out as MuseV's README (required unless --tiny)")
    p.add_argument("--out", required=True, help="folder that receives one pack folder per family")
    p.add_argument("--family", default="musev", choices=FAMILIES + ("all",), help="which pack(s) to write (default musev)")
    p.add_argument("--dtype", default="fp16", choices=("fp32", "fp16"),
                   help="graph precision (default fp16: an SD1.5-size fp32 UNet does not fit a browser session)")
    p.add_argument("--quantize", default="none", choices=("none", "int8"), help="int8 weight-only linear layers (default none)")
    p.add_argument("--attention", default="plain", choices=("plain", "mha"),
                   help="plain MatMul-Softmax-MatMul or com.microsoft MultiHeadAttention (default plain)")
    p.add_argument("--attention-query-chunks", type=int, default=1, metavar="N", help=QUERY_CHUNKS_HELP)
    p.add_argument("--shard-mb", type=float, default=1024, help="max MiB per external data file (default 1024)")
    p.add_argument("--max-session-mb", type=float, default=4096,
                   help="max MiB of weights one browser session may hold (default 4096); a graph over it is split "
                        "into consecutive sessions (parts), e.g. the fp32 SD1.5 UNet into 2")
    p.add_argument("--sd-model", default=DEFAULT_SD_MODEL, help=f"folder under t2i/sd1.5/ (default {DEFAULT_SD_MODEL})")
    p.add_argument("--vae", help="VAE folder (default <checkpoints>/vae/sd-vae-ft-mse, else <sd-model>/vae)")
    p.add_argument("--no-merge-sd-unet", action="store_true", help="keep the motion checkpoint's own spatial weights")
    p.add_argument("--tiny", action="store_true", help="export the tiny random-weights presets (no checkpoints needed)")
    p.add_argument("--version", default="0.1.0", help="pack version string (default 0.1.0)")
    p.add_argument("--faceid", action="store_true",
                   help="add IP-Adapter FaceID (any family): UNet face_tokens/face_scale inputs, face_proj, "
                        "face_detector + face_embedder from insightface buffalo_l")


def options_from_args(args) -> OptimizeOptions:
    opts = OptimizeOptions(
        dtype=args.dtype, quantize=None if args.quantize == "none" else args.quantize, attention=args.attention,
        shard_mb=args.shard_mb, max_session_mb=args.max_session_mb, attention_query_chunks=args.attention_query_chunks,
    )
    opts.validate()
    return opts


def pack_id(family: str, opts: OptimizeOptions, tiny: bool) -> str:
    return ("tiny-" if tiny else "") + family.replace("_", "-") + "-" + variant_suffix(opts)


def tree_paths(root: str | Path, family: str, sd_model: str = DEFAULT_SD_MODEL, vae: Optional[str] = None,
               faceid: bool = False) -> Dict[str, Path]:
    """The folders/files a family reads, by role; raises FileNotFoundError naming what is missing."""
    root = Path(root)
    sd = root / "t2i" / "sd1.5" / sd_model
    paths = {"unet": root / "motion" / family / "unet", "sd": sd}
    if vae:
        paths["vae"] = Path(vae)
    else:
        paths["vae"] = root / "vae" / "sd-vae-ft-mse" if (root / "vae" / "sd-vae-ft-mse").is_dir() else sd / "vae"
    if family != "musev":
        paths["referencenet"] = root / "motion" / "musev_referencenet" / "referencenet"
        paths["image_proj"] = root / "motion" / family / "ip_adapter_image_proj.bin"
        paths["clip_vision"] = root / "IP-Adapter" / "models" / "image_encoder"
    if faceid:
        from .faceid import FACEID_BIN, INSIGHTFACE_DIR

        paths["faceid"] = root.joinpath(*FACEID_BIN)
        paths["insightface"] = root.joinpath(*INSIGHTFACE_DIR)
        for f in ("det_10g.onnx", "w600k_r50.onnx"):
            paths[f"insightface/{f}"] = paths["insightface"] / f
    missing = [f"{role}: {p}" for role, p in paths.items() if not p.exists()]
    for sub in ("text_encoder", "tokenizer", "scheduler", "unet"):
        if not (sd / sub).is_dir():
            missing.append(f"sd/{sub}: {sd / sub}")
    if missing:
        raise FileNotFoundError(f"checkpoint tree {root} lacks what family {family} needs:\n  " + "\n  ".join(missing))
    return paths


def _load_family(args, family: str):
    """(models, info, scheduler) for one family: the loaders of checkpoints.py / presets.py."""
    if args.tiny:
        from . import presets

        if family not in getattr(presets, "TINY_PRESETS", {"musev": presets.TINY_PACK}):
            raise NotSupportedYet(f"--tiny: no tiny preset for family {family} yet")
        info = dict(getattr(presets, "TINY_PRESETS", {"musev": presets.TINY_PACK})[family])
        models = presets.tiny_models(family, faceid=getattr(args, "faceid", False))
        return models, info, presets.SD15_EULER
    from . import checkpoints

    loader = getattr(checkpoints, "load_referencenet_models", None)
    if family != "musev" and loader is None:
        raise NotSupportedYet(
            f"family {family}: not supported yet (checkpoints.py has no ReferenceNet / IP-Adapter / CLIP vision "
            "loader yet); export --family musev")
    faceid = getattr(args, "faceid", False)
    paths = tree_paths(args.checkpoints, family, args.sd_model, args.vae, faceid=faceid)
    if family == "musev":
        extra = {"family": family} if "family" in inspect.signature(checkpoints.load_models).parameters else {}
        models, scheduler = checkpoints.load_models(paths["unet"], paths["sd"], paths["vae"], not args.no_merge_sd_unet, **extra)
    else:
        models, scheduler = loader(
            unet_dir=paths["unet"], sd_dir=paths["sd"], vae_dir=paths["vae"], referencenet_dir=paths["referencenet"],
            image_proj_path=paths["image_proj"], clip_vision_dir=paths["clip_vision"],
            merge_sd_unet_weights=not args.no_merge_sd_unet, family=family)
    if faceid:
        from .faceid import load_face_models

        models.face = load_face_models(paths["faceid"], paths["insightface"], models.unet)
        print(f"{family}: FaceID from {paths['faceid']}: {len(models.face.ignored)} LoRA keys ignored "
              f"(as MuseV: {', '.join(models.face.ignored[:2])}, ...)")
    used = apply_embedding_folder(models, Path(args.checkpoints) / "embedding")
    if used:
        print(f"{family}: textual-inversion tokens from {Path(args.checkpoints) / 'embedding'}: "
              + ", ".join(f"{p.name} -> {t['token']} (id {t['id']})" for p, t in zip(used, models.added_tokens)))
    info = {
        "version": args.version,
        "name": f"MuseV {family}",
        "description": f"MuseV {family}: motion/{family}/unet with t2i/sd1.5/{args.sd_model} ({{variant}}).",
        "family": family,
        "randomWeights": False,
        "dtype": "float32",
    }
    return models, info, scheduler


def export_family(args, family: str, opts: OptimizeOptions) -> Tuple[Path, dict, float]:
    from .pack_writer import write_pack

    started = time.time()
    models, info, scheduler = _load_family(args, family)
    pid = pack_id(family, opts, args.tiny)
    variant = variant_suffix(opts)
    info = {**info, "id": pid, "name": f"{info['name']} ({variant})",
            "description": info["description"].replace("{variant}", variant)}
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{pid}-raw-", dir=out))
    try:
        write_pack(models, scratch / pid, info, scheduler)
        del models
        report = optimize_pack(scratch / pid, out / pid, opts)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return out / pid, report, time.time() - started


def _print_report(path: Path, report: dict, seconds: float) -> None:
    print(f"{path.name}: {seconds:.1f} s")
    for graph, rep in report.items():
        shards = rep.get("external_data", [])
        line = f"  {graph:<14} {rep['weight_bytes'] / 1e6:10.2f} MB weights in {len(shards)} file(s)"
        if "parts" in rep:
            line += f"; split into {len(rep['parts'])} sessions of " + " + ".join(f"{b / 1e6:.2f}" for b in rep["parts"]) + " MB"
        if "mha" in rep:
            m = rep["mha"]
            line += f"; MHA fused {m['fused']}/{m['softmax_sites']}"
            if m["skipped"]:
                line += " (left plain: " + ", ".join(f"{n}x {why}" for why, n in m["skipped"].items()) + ")"
        if "query_chunks" in rep:
            qc = rep["query_chunks"]
            line += f"; attention query chunks {qc['per_level']} per level at {qc['chunked']} sites"
        if "int8" in rep:
            line += f"; int8 weights {rep['int8']['quantized_weights']}"
        print(line)
        for note in rep.get("notes", []):
            print(f"    note: {note}")


def run(args) -> int:
    if not args.tiny and not args.checkpoints:
        raise SystemExit("tree: --checkpoints <root> is required (or --tiny)")
    opts = options_from_args(args)
    families: List[str] = list(FAMILIES) if args.family == "all" else [args.family]
    failed = []
    for family in families:
        try:
            path, report, seconds = export_family(args, family, opts)
        except (NotSupportedYet, SessionTooLarge, FileNotFoundError, TextualInversionError) as e:
            print(f"{family}: {e}")
            failed.append(family)
            continue
        _print_report(path, report, seconds)
    if failed:
        print(f"not written: {', '.join(failed)}")
        return 1
    return 0


def add_optimize_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pack", required=True, help="an existing pack folder (left untouched)")
    p.add_argument("--out", required=True, help="the post-processed copy (replaced)")
    p.add_argument("--id", help="pack id of the copy (default: <source id>-<variant>)")
    p.add_argument("--dtype", default="fp32", choices=("fp32", "fp16"))
    p.add_argument("--quantize", default="none", choices=("none", "int8"))
    p.add_argument("--attention", default="plain", choices=("plain", "mha"))
    p.add_argument("--attention-query-chunks", type=int, default=1, metavar="N", help=QUERY_CHUNKS_HELP)
    p.add_argument("--shard-mb", type=float, default=1024)
    p.add_argument("--max-session-mb", type=float, default=4096, help="a graph over it is split into sessions (default 4096)")


def run_optimize(args) -> int:
    import json

    opts = options_from_args(args)
    src = json.loads((Path(args.pack) / "manifest.json").read_text(encoding="utf-8"))
    started = time.time()
    variant = variant_suffix(opts)
    report = optimize_pack(args.pack, args.out, opts, pack_id=args.id or f"{src['id']}-{variant}", name_suffix=f"({variant})")
    _print_report(Path(args.out), report, time.time() - started)
    return 0
