#!/usr/bin/env bash
# The README's test command: set up a fresh Debian machine (as root, or with sudo) and run every test.
#   bash scripts/test.sh            everything (typecheck, vitest, pytest, Playwright e2e)
#   bash scripts/test.sh --skip-e2e (extra flags go to scripts/test-all.mjs)
set -euo pipefail
cd "$(dirname "$0")/.."

export ONNXRUNTIME_NODE_INSTALL=skip   # its postinstall downloads; the CPU binary ships in the package
export DEBIAN_FRONTEND=noninteractive

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
for mod in torch:python3-torch onnx:python3-onnx pytest:python3-pytest numpy:python3-numpy PIL:python3-pil; do
  /usr/bin/python3 -c "import ${mod%%:*}" 2>/dev/null || need_apt+=("${mod##*:}")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "installing Debian packages: ${need_apt[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
node scripts/test-all.mjs "$@"
