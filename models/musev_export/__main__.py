"""CLI: `python -m musev_export tiny --out public/packs/tiny-musev` (run with models/ on sys.path)."""
from __future__ import annotations

import argparse
import sys
import time

import torch


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="musev_export", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    tiny = sub.add_parser("tiny", help="write the tiny random-weights demo pack")
    tiny.add_argument("--out", required=True, help="pack folder (replaced)")
    tiny.add_argument("--family", default="musev", choices=("musev", "musev_referencenet"), help="which tiny preset (default musev)")
    ckpt = sub.add_parser("checkpoints", help="export a pack from MuseV / SD1.5 checkpoint folders")
    from .checkpoints import add_arguments

    add_arguments(ckpt)
    from . import tree

    tree.add_arguments(sub.add_parser("tree", help="one browser pack per family from a MuseV checkpoint tree (models/README.md)"))
    tree.add_optimize_arguments(sub.add_parser("optimize", help="post-process an existing pack (fp16, int8, MHA, shards)"))
    args = ap.parse_args(argv)

    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    torch.manual_seed(0)
    if args.cmd == "tree":
        return tree.run(args)
    if args.cmd == "optimize":
        return tree.run_optimize(args)
    started = time.time()
    from .pack_writer import write_pack

    if args.cmd == "tiny":
        from .presets import TINY_PRESETS, tiny_models

        manifest, files = write_pack(tiny_models(args.family), args.out, TINY_PRESETS[args.family])
    else:
        from .checkpoints import pack_from_args

        models, info, scheduler = pack_from_args(args)
        manifest, files = write_pack(models, args.out, info, scheduler)
    total = sum(size for _, size in files)
    for name, size in files:
        print(f"  {size:>12,d}  {name}")
    print(f"wrote {args.out}: {len(files)} files, {total / 1e6:.1f} MB, {time.time() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
