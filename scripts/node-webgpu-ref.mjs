#!/usr/bin/env node
/**
 * The --tiny input of scripts/node-webgpu-bench.mjs: a UNet graph to run on the GPU (e.g. the fp16
 * variant of the tiny pack) plus inputs and the reference output of the fp32 graph on onnxruntime's
 * CPU EP (onnxruntime-node).
 *
 *   node scripts/node-webgpu-ref.mjs --ref public/packs/tiny-musev --graph <fp16 pack dir> --out <dir>
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { parseFlags } from './cliArgs.mjs';

const args = parseFlags(process.argv.slice(2));
mkdirSync(args.out, { recursive: true });
const manifest = JSON.parse(readFileSync(join(args.graph, 'manifest.json'), 'utf8'));
const [B, T, h, w, tokens] = [2, 5, 16, 24, 77];
const D = manifest.unet.crossAttentionDim ?? JSON.parse(readFileSync(join(args.ref, 'manifest.json'), 'utf8')).textEncoder?.hiddenSize ?? 32;
let s = 99;
const rnd = (n) => Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2147483648), (s / 2147483648) * 2 - 1));
const feeds = {
  sample: new ort.Tensor('float32', rnd(B * 4 * T * h * w), [B, 4, T, h, w]),
  timestep: new ort.Tensor('float32', new Float32Array([501]), [1]),
  encoder_hidden_states: new ort.Tensor('float32', rnd(B * tokens * D), [B, tokens, D]),
  frame_index: new ort.Tensor('int64', BigInt64Array.from({ length: T }, (_, i) => BigInt(i * 8)), [T]),
};
const session = await ort.InferenceSession.create(join(args.ref, 'unet.onnx'), { executionProviders: ['cpu'] });
const out = await session.run(feeds);
const tensors = [];
const chunks = [];
let offset = 0;
for (const [name, t] of [...Object.entries(feeds), ['noise_pred', out.noise_pred]]) {
  const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  tensors.push({ name, dtype: t.type, dims: t.dims, offset, length: bytes.length });
  chunks.push(bytes);
  offset += bytes.length;
}
writeFileSync(join(args.out, 'ref.bin'), Buffer.concat(chunks));
writeFileSync(join(args.out, 'ref.json'), JSON.stringify({ graph: `${manifest.id} unet`, dtype: manifest.dtype ?? 'float32', tensors }, null, 1));
copyFileSync(join(args.graph, 'unet.onnx'), join(args.out, 'unet.onnx'));
copyFileSync(join(args.graph, 'unet.onnx.data'), join(args.out, 'unet.onnx.data'));
console.log(`reference: ${args.ref} unet on the CPU; graph to test: ${args.graph}; D=${D}`);
