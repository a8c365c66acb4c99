// Runs a split graph's parts in order with onnxruntime-node (CPU EP), for the split tests.
// Usage: node run_onnx_chain.mjs <io-dir> <part0.onnx> <part1.onnx> ...
// <io-dir>/inputs.json as for run_onnx.mjs, plus "outputs": [names] (the whole graph's outputs).
// Each part reads its inputs by name from the graph inputs and the earlier parts' outputs; the
// named outputs are written as <io-dir>/out<k>.bin + outputs.json ({"outputs": [{name, dtype, shape, file}]}).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';

const [ioDir, ...parts] = process.argv.slice(2);
if (!ioDir || parts.length === 0) {
  console.error('usage: node run_onnx_chain.mjs <io-dir> <part.onnx>...');
  process.exit(2);
}
const ARRAYS = { float32: Float32Array, int64: BigInt64Array, int32: Int32Array };
const header = JSON.parse(readFileSync(join(ioDir, 'inputs.json'), 'utf8'));
const values = {};
for (const t of header.inputs) {
  const buf = readFileSync(join(ioDir, t.file));
  const data = new ARRAYS[t.dtype](buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  values[t.name] = new ort.Tensor(t.dtype, data, t.shape);
}
for (const part of parts) {
  const session = await ort.InferenceSession.create(part, { executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: 2 });
  const feeds = {};
  for (const name of session.inputNames) {
    if (!(name in values)) throw new Error(`${part} needs "${name}", which no graph input or earlier part gives`);
    feeds[name] = values[name];
  }
  Object.assign(values, await session.run(feeds));
  await session.release();
}
const outputs = header.outputs.map((name, k) => {
  const t = values[name];
  if (!t) throw new Error(`no part produced the graph output "${name}"`);
  const file = `out${k}.bin`;
  writeFileSync(join(ioDir, file), new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return { name, dtype: t.type, shape: t.dims, file };
});
writeFileSync(join(ioDir, 'outputs.json'), JSON.stringify({ outputs }));
