import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PackManifest, WholeGraphSpec } from './manifest';
import { estimateGpuMemory, MIN_WORKSPACE_BYTES, packBytes, packFiles, requiredGpuFeatures } from './packInfo';

const tiny = JSON.parse(readFileSync(new URL('../../public/packs/tiny-musev/manifest.json', import.meta.url), 'utf8')) as PackManifest;

describe('packInfo', () => {
  it('lists each file once (unet_spatial shares unet.onnx.data) with the tokenizer files', () => {
    const files = packFiles(tiny).map((f) => f.file);
    expect(new Set(files).size).toBe(files.length);
    expect(files).toContain('unet.onnx.data');
    expect(files).toContain('unet_spatial.onnx');
    expect(files).toContain('tokenizer/vocab.json');
    expect(files).toContain('tokenizer/merges.txt');
    expect(files.length).toBe(11);
  });

  it('the size is the sum of the bytes of the files on disk', () => {
    const onDisk = packFiles(tiny).reduce(
      (s, f) => s + readFileSync(new URL(`../../public/packs/tiny-musev/${f.file}`, import.meta.url)).byteLength,
      0,
    );
    expect(packBytes(tiny)).toBe(onDisk);
  });

  it('fp16 packs need shader-f16, fp32 packs nothing', () => {
    expect(requiredGpuFeatures({ dtype: 'float16' })).toEqual(['shader-f16']);
    expect(requiredGpuFeatures({ dtype: 'float32' })).toEqual([]);
  });

  it('GPU memory: graph weights + a quarter of them as workspace, at least 256 MiB', () => {
    const tinyEstimate = estimateGpuMemory(tiny);
    const tokenizer = tiny.tokenizer.vocab.bytes + tiny.tokenizer.merges.bytes;
    expect(tinyEstimate.weightsBytes).toBe(packBytes(tiny) - tokenizer);
    expect(tinyEstimate.workspaceBytes).toBe(MIN_WORKSPACE_BYTES);
    const big: PackManifest = {
      ...tiny,
      graphs: { ...tiny.graphs, unet: { ...(tiny.graphs.unet as WholeGraphSpec), bytes: 1, externalData: [{ file: 'unet.onnx.data', bytes: 2 * 2 ** 30 - 1, sha256: 'x' }] } },
      tokenizer: tiny.tokenizer,
    };
    delete (big.graphs as Record<string, unknown>).unet_spatial;
    for (const k of ['text_encoder', 'vae_encoder', 'vae_decoder'] as const) big.graphs[k] = { ...(tiny.graphs[k] as WholeGraphSpec), bytes: 0, externalData: [] };
    expect(estimateGpuMemory(big)).toEqual({ weightsBytes: 2 ** 31, workspaceBytes: 2 ** 29, totalBytes: 2 ** 31 + 2 ** 29 });
  });
});
