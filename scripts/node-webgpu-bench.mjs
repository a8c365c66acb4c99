#!/usr/bin/env node
/**
 * UNet timing and fp16 parity on a real GPU without a browser: onnxruntime-web's WebGPU EP (the
 * build the app ships) on Dawn, Chromium's WebGPU implementation, through the `webgpu` npm package
 * (dawn.node). For GPU machines that have Vulkan but no display and no Chromium.
 *
 *   node scripts/node-webgpu-bench.mjs --webgpu <node_modules/webgpu/index.js> --ort <onnxruntime-web/dist>
 *        [--full <dir from musev_export.optimize.bench_graph>] [--tiny <dir from scripts/node-webgpu-ref.py>]
 *        [--runs 5] [--out report.json]
 *
 * --full: the full-size (SD1.5-width) musev UNet graph, fp16 + MHA, without weights; its
 *   unet.onnx.data is filled here with random values of each range's dtype (timing does not
 *   depend on them). Times UNet calls of one window with the CFG halves together (batch 2), two
 *   windows in one call (batch 4) and the halves apart (batch 1), and turns unet.flops.json into
 *   effective TFLOP/s.
 * --tiny: a tiny UNet graph (fp16 on a shader-f16 adapter) with inputs and the fp32 reference output
 *   computed by onnxruntime on the CPU: max |diff| on this GPU.
 * The device is made as the app makes it (src/runtime/webgpuDevice.ts): the adapter's buffer limits,
 * shader-f16 when offered, no subgroups.
 *
 * On a bare GPU machine, with .devgpu/ from scripts/node-webgpu-payload.sh and the Vulkan loader
 * (Debian's libvulkan1 unpacked; the driver's ICD in VK_DRIVER_FILES):
 *   X() { python3 -c "import lzma,shutil,sys;shutil.copyfileobj(lzma.open(sys.argv[1]),open(sys.argv[2],'wb'))" $1 $2; }
 *   D=.devgpu; X $D/node.xz /tmp/node; chmod +x /tmp/node; mkdir -p /tmp/wg/dist/linux-x64 /tmp/ort
 *   cp $D/webgpu/index.js $D/webgpu/package.json /tmp/wg/; X $D/webgpu/dawn.node.xz /tmp/wg/dist/linux-x64/dawn.node
 *   cp $D/ort/*.mjs /tmp/ort/; X $D/ort/ort-wasm-simd-threaded.asyncify.wasm.xz /tmp/ort/ort-wasm-simd-threaded.asyncify.wasm
 *   /tmp/node scripts/node-webgpu-bench.mjs --webgpu /tmp/wg/index.js --ort /tmp/ort --tiny $D/tiny --full $D/full --out report.json
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseFlags } from './cliArgs.mjs';

const args = parseFlags(process.argv.slice(2));
const runs = Number(args.runs ?? 5);
const report = { when: new Date().toISOString(), node: process.version };
const save = () => args.out && writeFileSync(args.out, JSON.stringify(report, null, 1));
const log = (...m) => console.log(...m);

const { create, globals } = await import(pathToFileURL(args.webgpu).href);
Object.assign(globalThis, globals);
// dawn.node rejects views of a SharedArrayBuffer (onnxruntime's threaded wasm memory): copy them.
const writeBuffer = globals.GPUQueue.prototype.writeBuffer;
globals.GPUQueue.prototype.writeBuffer = function (buffer, offset, data, dataOffset, size) {
  if (data?.buffer instanceof SharedArrayBuffer) data = data.slice();
  return size === undefined ? writeBuffer.call(this, buffer, offset, data, dataOffset ?? 0) : writeBuffer.call(this, buffer, offset, data, dataOffset, size);
};
const gpu = create([]);
Object.defineProperty(globalThis, 'navigator', { value: { gpu, hardwareConcurrency: 4, userAgent: 'node' }, configurable: true });

const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
if (!adapter) throw new Error('no WebGPU adapter (is a Vulkan driver installed?)');
const info = adapter.info ?? {};
const limits = adapter.limits;
report.adapter = {
  vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description,
  features: [...adapter.features].sort(),
  maxBufferSize: limits.maxBufferSize, maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
};
log('adapter', report.adapter);
const shaderF16 = adapter.features.has('shader-f16');
const pick = (k) => limits[k];
const device = await adapter.requestDevice({
  requiredFeatures: shaderF16 ? ['shader-f16'] : [],
  requiredLimits: Object.fromEntries(
    ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY', 'maxComputeWorkgroupSizeZ'].map((k) => [k, pick(k)]),
  ),
});
device.lost.then((l) => log('device lost', l.reason, l.message));

const ort = await import(pathToFileURL(join(args.ort, 'ort.webgpu.min.mjs')).href);
ort.env.wasm.wasmPaths = join(args.ort, '/'); // a plain path: Node's fetch has no file: URLs
ort.env.wasm.numThreads = 4;
ort.env.logLevel = 'error';
const session = (model, externalData) =>
  ort.InferenceSession.create(model, { executionProviders: [{ name: 'webgpu', device }], externalData, graphOptimizationLevel: 'all' });

function randn(n, seed) {
  // xorshift32 + Box-Muller: reproducible inputs without a dependency
  let s = seed >>> 0 || 1;
  const u = () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), ((s >>> 0) + 0.5) / 4294967296);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}
const numel = (dims) => dims.reduce((a, b) => a * b, 1);

async function tinyParity(dir) {
  const meta = JSON.parse(readFileSync(join(dir, 'ref.json'), 'utf8'));
  const s = await session(readFileSync(join(dir, 'unet.onnx')), [{ path: 'unet.onnx.data', data: readFileSync(join(dir, 'unet.onnx.data')) }]);
  const bin = readFileSync(join(dir, 'ref.bin'));
  const feeds = {};
  let expected;
  for (const t of meta.tensors) {
    const bytes = bin.subarray(t.offset, t.offset + t.length);
    const data = t.dtype === 'int64' ? new BigInt64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)) : new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    if (t.name === 'noise_pred') expected = data;
    else feeds[t.name] = new ort.Tensor(t.dtype, data, t.dims);
  }
  const out = await s.run(feeds);
  const got = await out.noise_pred.getData();
  let maxDiff = 0, maxRef = 0;
  for (let i = 0; i < got.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(got[i] - expected[i]));
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  await s.release();
  return { graph: meta.graph, dtype: meta.dtype, inputs: Object.fromEntries(meta.tensors.map((t) => [t.name, t.dims])), maxAbsDiff: maxDiff, maxAbsRef: maxRef, finite: got.every(Number.isFinite) };
}

function randomWeights(spec) {
  // small random values of each range's dtype (fp16 bit patterns with |x| < 0.03, fp32 N(0, 0.02))
  const data = new Uint8Array(spec.bytes);
  let s = 12345;
  for (const r of spec.ranges) {
    if (r.dtype === 'float16') {
      const h = new Uint16Array(data.buffer, r.offset, r.length / 2);
      for (let i = 0; i < h.length; i++) {
        s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
        h[i] = (s & 0x8000) | (0x1000 + ((s >>> 16) % 0x1700)); // exponent 4..9 of 15: 2^-11 .. 2^-6·2
      }
    } else {
      new Float32Array(data.buffer, r.offset, r.length / 4).set(randn(r.length / 4, r.offset + 7).map((x) => 0.02 * x));
    }
  }
  return data;
}

async function fullUnet(dir) {
  const spec = JSON.parse(readFileSync(join(dir, 'unet.weights.json'), 'utf8'));
  const flops = JSON.parse(readFileSync(join(dir, 'unet.flops.json'), 'utf8'));
  const res = { params: flops.params, weightBytes: spec.bytes, flopsPerCall: flops.total, inputs: flops.inputs };
  let t0 = performance.now();
  const weights = randomWeights(spec);
  res.fillMs = performance.now() - t0;
  t0 = performance.now();
  const s = await session(readFileSync(join(dir, 'unet.onnx')), [{ path: spec.file, data: weights }]);
  res.sessionMs = performance.now() - t0;
  log('full UNet session', Math.round(res.sessionMs), 'ms');
  const { frames, latent_height: h, latent_width: w, tokens, cross_attention_dim: D } = flops.inputs;
  const variants = [
    { name: 'one window, CFG halves together', batch: 2, windows: 1 },
    { name: 'two windows in one call', batch: 4, windows: 2 },
    { name: 'CFG halves apart (one half)', batch: 1, windows: 0.5 },
  ];
  res.variants = [];
  for (const v of variants) {
    const feeds = {
      sample: new ort.Tensor('float32', randn(numel([v.batch, 4, frames, h, w]), 1), [v.batch, 4, frames, h, w]),
      timestep: new ort.Tensor('float32', new Float32Array([999]), [1]),
      encoder_hidden_states: new ort.Tensor('float32', randn(v.batch * tokens * D, 2), [v.batch, tokens, D]),
      frame_index: new ort.Tensor('int64', BigInt64Array.from({ length: frames }, (_, i) => BigInt(i)), [frames]),
    };
    const times = [];
    let finite = true;
    for (let k = 0; k <= runs; k++) {
      const t = performance.now();
      const out = await s.run(feeds);
      const y = await out.noise_pred.getData(); // waits for the GPU
      if (k > 0) times.push(performance.now() - t);
      else finite = y.every(Number.isFinite);
    }
    times.sort((a, b) => a - b);
    const ms = times[Math.floor(times.length / 2)];
    const callFlops = (flops.total * v.batch) / 2; // every op of the graph is per batch row
    const row = { ...v, msPerCall: ms, msMin: times[0], msPerWindow: ms / v.windows, tflops: callFlops / (ms / 1000) / 1e12, finiteOutput: finite };
    log(row);
    res.variants.push(row);
    save();
  }
  await s.release();
  return res;
}

// Dawn's pending work (buffer maps) holds no Node handle: without this, Node may exit mid-await.
const keepAlive = setInterval(() => {}, 1000);
try {
  if (args.tiny) {
    report.tinyParity = await tinyParity(args.tiny);
    log('tiny parity', report.tinyParity);
    save();
  }
  if (args.full) report.fullUnet = await fullUnet(args.full);
} catch (e) {
  report.error = String(e?.stack ?? e);
  log('ERROR', report.error);
  process.exitCode = 1;
} finally {
  clearInterval(keepAlive);
  save();
}
