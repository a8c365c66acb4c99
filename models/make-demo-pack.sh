#!/usr/bin/env bash
# Writes the tiny random-weights demo pack to public/packs/tiny-musev/ (deterministic bytes).
# Needs Debian's /usr/bin/python3 with python3-torch, python3-onnx, python3-numpy.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${MUSEV_PYTHON:-/usr/bin/python3}"
cd "$ROOT"
PYTHONPATH="$ROOT/models${PYTHONPATH:+:$PYTHONPATH}" "$PY" -m musev_export tiny --out "$ROOT/public/packs/tiny-musev" "$@"
