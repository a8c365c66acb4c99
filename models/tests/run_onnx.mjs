// Runs one ONNX graph with onnxruntime-node (CPU EP) for the Python parity tests.
// Usage: node run_onnx.mjs <model.onnx> <io-dir>
// <io-dir>/inputs.json: {"inputs": [{"name", "dtype": "float32"|"int64", "shape": [...], "file"}]}
// Each input file holds the raw little-endian tensor bytes. Writes <io-dir>/<name>.bin per output
// and <io-dir>/outputs.json: {"outputs": [{"name", "dtype", "shape", "file"}]}.
// External data is resolved by onnxruntime relative to the model file.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';

const [modelPath, ioDir] = process.argv.slice(2);
if (!modelPath || !ioDir) {
  console.error('usage: node run_onnx.mjs <model.onnx> <io-dir>');
  process.exit(2);
}
const ARRAYS = { float32: Float32Array, int64: BigInt64Array, int32: Int32Array };

const header = JSON.parse(readFileSync(join(ioDir, 'inputs.json'), 'utf8'));
const feeds = {};
for (const t of header.inputs) {
  const buf = readFileSync(join(ioDir, t.file));
  const Arr = ARRAYS[t.dtype];
  if (!Arr) throw new Error(`unsupported dtype ${t.dtype}`);
  const data = new Arr(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  feeds[t.name] = new ort.Tensor(t.dtype, data, t.shape);
}
const session = await ort.InferenceSession.create(modelPath, {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all',
  intraOpNumThreads: 2,
});
const started = performance.now();
const results = await session.run(feeds);
const ms = performance.now() - started;
const outputs = [];
for (const name of session.outputNames) {
  const t = results[name];
  const file = `${name}.bin`;
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  writeFileSync(join(ioDir, file), bytes);
  outputs.push({ name, dtype: t.type, shape: t.dims, file });
}
writeFileSync(join(ioDir, 'outputs.json'), JSON.stringify({ outputs, runMs: ms }));
await session.release();
