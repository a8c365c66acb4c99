#!/usr/bin/env bash
# Builds .devgpu/ (git-ignored locally via .git/info/exclude): what scripts/node-webgpu-bench.mjs needs
# on a GPU machine that has a Vulkan driver but no Node, no browser and no network, compressed to
# travel: Node itself, dawn.node (npm `webgpu`), onnxruntime-web's WebGPU build, the tiny fp16 UNet
# with its CPU reference, and the full-size weight-less UNet graph.
#   bash scripts/node-webgpu-payload.sh [full-graph-dir]   # default .tmp/bench-unet (bench_graph.py)
set -euo pipefail
cd "$(dirname "$0")/.."
FULL=${1:-.tmp/bench-unet}
D=.devgpu
rm -rf "$D" && mkdir -p "$D/webgpu" "$D/ort" "$D/full" .tmp
xz -T0 -6 -c "$(command -v node)" > "$D/node.xz"
( cd .tmp && rm -rf webgpu-pkg && mkdir webgpu-pkg && cd webgpu-pkg && npm pack -q webgpu@0.6.2 >/dev/null && tar xzf webgpu-*.tgz )
cp .tmp/webgpu-pkg/package/index.js .tmp/webgpu-pkg/package/package.json "$D/webgpu/"
xz -T0 -6 -c .tmp/webgpu-pkg/package/dist/linux-x64/dawn.node > "$D/webgpu/dawn.node.xz"
ORT=node_modules/onnxruntime-web/dist
cp "$ORT/ort.webgpu.min.mjs" "$ORT/ort-wasm-simd-threaded.asyncify.mjs" "$D/ort/"
xz -T0 -6 -c "$ORT/ort-wasm-simd-threaded.asyncify.wasm" > "$D/ort/ort-wasm-simd-threaded.asyncify.wasm.xz"
PYTHONPATH=models /usr/bin/python3 -m musev_export optimize --pack public/packs/tiny-musev --out .tmp/tiny-fp16 --dtype fp16 --attention mha >/dev/null
node scripts/node-webgpu-ref.mjs --ref public/packs/tiny-musev --graph .tmp/tiny-fp16 --out "$D/tiny"
cp "$FULL"/unet.onnx "$FULL"/unet.weights.json "$FULL"/unet.flops.json "$D/full/"
grep -qx '/.devgpu/' .git/info/exclude 2>/dev/null || echo '/.devgpu/' >> .git/info/exclude
du -sh "$D"
