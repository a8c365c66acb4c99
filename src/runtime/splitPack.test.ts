/**
 * A pack whose UNets are split into parts (models/musev_export/optimize/split.py) through the real
 * loading path (loadPack, createGraphSession, onnxruntime-web wasm) against the unsplit demo pack:
 * the same UNet and spatial UNet outputs on the same inputs. The split pack is written by
 * models/tests/test_split.py (test_typescript_runtime_runs_the_split_pack), which runs this file
 * with MUSEV_SPLIT_PACK=<its folder>; without it the suite is skipped.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TensorF32 } from '../pipeline/networks';
import { loadPack, type LoadedPack } from './loadPack';
import type { PackSource } from './packSource';

const splitDir = process.env.MUSEV_SPLIT_PACK;
const demoDir = fileURLToPath(new URL('../../public/packs/tiny-musev/', import.meta.url));
const TOL = 1e-6;

function fsSource(dir: string): PackSource {
  const base = dir.endsWith('/') ? dir : `${dir}/`;
  return { label: base, readBytes: async (path) => new Uint8Array(await readFile(base + path)) };
}
const wave = (n: number, k: number, a: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * k + 0.3) * a);
const maxAbsDiff = (a: TensorF32, b: TensorF32) => {
  expect(a.shape).toEqual(b.shape);
  return a.data.reduce((m, v, i) => Math.max(m, Math.abs(v - b.data[i])), 0);
};

ort.env.wasm.numThreads = 1;

describe.skipIf(!splitDir)('a split pack on the wasm backend equals the unsplit demo pack', () => {
  let split: LoadedPack;
  let whole: LoadedPack;
  beforeAll(async () => {
    split = await loadPack(ort, fsSource(splitDir as string), { backend: 'wasm' }, () => {});
    whole = await loadPack(ort, fsSource(demoDir), { backend: 'wasm' }, () => {});
  }, 120_000);
  afterAll(async () => {
    await split?.release();
    await whole?.release();
  });

  it('loads the parts as one session per graph with the whole graph contract', () => {
    const unet = split.manifest.graphs.unet;
    expect(unet.parts?.length).toBeGreaterThanOrEqual(2);
    expect(split.sessions.unet.inputNames).toEqual(whole.sessions.unet.inputNames);
    expect(split.sessions.unet.outputNames).toEqual(['noise_pred']);
  });

  for (const [graph, frames] of [
    ['unet', 3],
    ['unetSpatial', 1],
  ] as const) {
    it(`${graph}: the chained parts give the whole graph's noise prediction`, async () => {
      const [B, C, h, w, D] = [2, split.manifest.vae.latentChannels, 16, 8, split.manifest.unet.crossAttentionDim];
      const sample = { data: wave(B * C * frames * h * w, 0.37, 0.8), shape: [B, C, frames, h, w] };
      const context = { data: wave(B * 77 * D, 0.11, 0.5), shape: [B, 77, D] };
      const frameIndex = Array.from({ length: frames }, (_, i) => i);
      const a = await split.networks[graph]!.predict(sample, 500, context, frameIndex);
      const b = await whole.networks[graph]!.predict(sample, 500, context, frameIndex);
      const diff = maxAbsDiff(a, b);
      console.log(`${graph} (${split.manifest.graphs[graph === 'unet' ? 'unet' : 'unet_spatial']?.parts?.length} parts): max |split − whole| = ${diff.toExponential(2)}`);
      expect(diff).toBeLessThanOrEqual(TOL);
      expect(a.data.some((v) => v !== 0)).toBe(true);
    }, 120_000);
  }
});
