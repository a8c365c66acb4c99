#!/usr/bin/env bash
# Runs the exporter's pytest suite (parity through onnxruntime-node, key layouts, determinism,
# manifest schema). Writes reports/pytest.xml; exits with pytest's status.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${MUSEV_PYTHON:-/usr/bin/python3}"
cd "$ROOT"
mkdir -p reports
"$PY" -m pytest models/tests -q -p no:cacheprovider --junitxml=reports/pytest.xml "$@"
exit $?
