#!/usr/bin/env bash
# The one export command (run from the repository root):
#   npm run export -- --checkpoints <checkpoint root> --out <folder> [--family musev|musev_referencenet|musev_referencenet_pose|all]
#                     [--dtype fp32|fp16] [--quantize int8] [--attention plain|mha] [--attention-query-chunks N] [--shard-mb 1024]
#                     [--sd-model majicmixRealv6Fp16] [--tiny]
# = python -m musev_export tree ...: one pack per family in <folder>/<pack-id>/ (models/README.md,
# "Export command and browser packs"). `npm run export -- --help` lists every option.
# Needs Debian's /usr/bin/python3 with python3-torch, python3-onnx, python3-numpy (MUSEV_PYTHON overrides).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${MUSEV_PYTHON:-/usr/bin/python3}"
if [ "$#" -gt 0 ] && [ "$1" = "tree" ]; then shift; fi
PYTHONPATH="$ROOT/models${PYTHONPATH:+:$PYTHONPATH}" exec "$PY" -m musev_export tree "$@"
