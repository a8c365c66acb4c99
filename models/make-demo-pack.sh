#!/usr/bin/env bash
# Writes the tiny random-weights demo packs (deterministic bytes):
#   public/packs/tiny-musev/               family musev
#   public/packs/tiny-musev-referencenet/  family musev_referencenet (ReferenceNet + IP-Adapter + CLIP vision)
# `--family musev` or `--family musev_referencenet` writes only that one.
# Needs Debian's /usr/bin/python3 with python3-torch, python3-onnx, python3-numpy.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${MUSEV_PYTHON:-/usr/bin/python3}"
FAMILIES=(musev musev_referencenet)
if [ "${1:-}" = "--family" ]; then FAMILIES=("$2"); shift 2; fi
cd "$ROOT"
for family in "${FAMILIES[@]}"; do
  case "$family" in
    musev) out="$ROOT/public/packs/tiny-musev" ;;
    musev_referencenet) out="$ROOT/public/packs/tiny-musev-referencenet" ;;
    *) echo "unknown family: $family" >&2; exit 2 ;;
  esac
  PYTHONPATH="$ROOT/models${PYTHONPATH:+:$PYTHONPATH}" "$PY" -m musev_export tiny --family "$family" --out "$out" "$@"
done
