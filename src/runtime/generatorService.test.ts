/**
 * The generator service end to end in Node on the bundled tiny pack, through onnxruntime-web's wasm
 * backend (the same engine the browser falls back to).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import type { GenerateRequest } from '../rpc/generatorApi';
import type { ProgressEvent } from '../rpc/progress';
import { createGeneratorService, fitBackendToPack } from './generatorService';
import type { PackManifest } from '../packs/manifest';
import type { PackSource } from './packSource';

const packDir = fileURLToPath(new URL('../../public/packs/tiny-musev/', import.meta.url));
const MANIFEST = 'file:///packs/tiny-musev/manifest.json';

function fsSource(tamper?: (path: string, bytes: Uint8Array) => Uint8Array): PackSource {
  return {
    label: packDir,
    async readBytes(path) {
      const bytes = new Uint8Array(await readFile(packDir + path));
      return tamper ? tamper(path, bytes) : bytes;
    },
  };
}

function request(seed: number): GenerateRequest {
  const W = 64, H = 64;
  const rgba = new Uint8ClampedArray(W * H * 4);
  for (let p = 0; p < W * H; p++) rgba.set([(p * 7) % 256, (p >> 6) * 4, 128, 255], p * 4);
  return {
    image: { width: W, height: H, rgba }, prompt: 'a girl smiling, eye blinks', negativePrompt: 'worst quality', width: W, height: H,
    frames: 5, contextFrames: 4, contextOverlap: 2, steps: 2, guidanceScale: 3.5, seed, fps: 8, motionSpeed: 8, wIndNoise: 0.5, imgWeight: 0.001,
  };
}

ort.env.wasm.numThreads = 1;

describe('generator service on the tiny pack (wasm in Node)', () => {
  it('loads the pack, generates 1 + N frames deterministically, and reports progress', async () => {
    const svc = createGeneratorService({ ort, sourceFor: () => fsSource() });
    const events: ProgressEvent[] = [];
    const { pack, backend } = await svc.loadPack(MANIFEST, {}, (e) => events.push(e));
    expect(pack.id).toBe('tiny-musev');
    expect(pack.randomWeights).toBe(true);
    expect(backend.backend).toBe('wasm');

    const a = await svc.generate(request(11), (e) => events.push(e));
    expect(a.frameCount).toBe(6);
    expect(a.frames.every((f) => f.length === 64 * 64 * 4)).toBe(true);
    const b = await svc.generate(request(11), () => {});
    const c = await svc.generate(request(12), () => {});
    expect(Buffer.from(a.frames[5]).equals(Buffer.from(b.frames[5]))).toBe(true);
    expect(Buffer.from(a.frames[5]).equals(Buffer.from(c.frames[5]))).toBe(false);
    // the generated frames are not a constant picture
    const f = a.frames[3];
    expect(new Set(Array.from({ length: 64 }, (_, i) => f[i * 257 * 4])).size).toBeGreaterThan(1);

    const windows = events.filter((e) => e.type === 'window').length;
    expect(windows).toBe(2 * 2); // 5 frames, context 4 / overlap 2 -> windows [0..3], [2..4]; 2 steps
    expect(events.some((e) => e.type === 'stage' && e.stage === 'decode')).toBe(true);
    console.log(`tiny pack, wasm in Node, 64x64, 5 frames: ${a.timings.msPerStep.toFixed(0)} ms/step, total ${a.timings.totalMs.toFixed(0)} ms`);
    await svc.dispose();
  }, 240_000);

  it('rejects a bad request with a message naming the field', async () => {
    const svc = createGeneratorService({ ort, sourceFor: () => fsSource() });
    await svc.loadPack(MANIFEST, {}, () => {});
    await expect(svc.generate({ ...request(1), contextOverlap: 4 }, () => {})).rejects.toMatchObject({ code: 'bad-input', message: expect.stringMatching(/Context overlap/) });
    await svc.dispose();
  }, 120_000);

  it('reports a damaged file as pack-corrupt, naming it', async () => {
    const svc = createGeneratorService({
      ort,
      sourceFor: () => fsSource((path, bytes) => {
        if (path.endsWith('unet.onnx.data')) { const copy = bytes.slice(); copy[100] ^= 0xff; return copy; }
        return bytes;
      }),
    });
    await expect(svc.loadPack(MANIFEST, {}, () => {})).rejects.toMatchObject({ code: 'pack-corrupt', message: expect.stringMatching(/unet\.onnx\.data/) });
  }, 120_000);

  it("refuses first-frame generate/redraw on a pack without unet_spatial as pack-incompatible", async () => {
    // The manifest as a pack without the spatial UNet has it (whatever the bundled pack has today).
    const svc = createGeneratorService({
      ort,
      sourceFor: () => fsSource((path, bytes) => {
        if (path !== 'manifest.json') return bytes;
        const m = JSON.parse(new TextDecoder().decode(bytes)) as { graphs: Record<string, unknown> };
        delete m.graphs.unet_spatial;
        return new TextEncoder().encode(JSON.stringify(m));
      }),
    });
    await svc.loadPack(MANIFEST, {}, () => {});
    const { image: _omit, ...noImage } = request(1);
    void _omit;
    await expect(svc.generate({ ...noImage, firstFrame: 'generate' }, () => {})).rejects.toMatchObject({ code: 'pack-incompatible', message: expect.stringMatching(/unet_spatial/) });
    await expect(svc.generate({ ...request(1), firstFrame: 'redraw' }, () => {})).rejects.toMatchObject({ code: 'pack-incompatible', message: expect.stringMatching(/redraw the first frame/) });
    await svc.dispose();
  }, 120_000);

  it('refuses to generate before a pack is loaded', async () => {
    const svc = createGeneratorService({ ort, sourceFor: () => fsSource() });
    await expect(svc.generate(request(1), () => {})).rejects.toMatchObject({ code: 'pack-missing' });
  });
});

describe('fitBackendToPack', () => {
  const gpu = { info: { backend: 'webgpu' as const, shaderF16: false }, device: undefined };
  const manifest = (dtype: 'float16' | 'float32') => ({ name: 'P', dtype }) as unknown as PackManifest;
  it('keeps WebGPU for fp32 packs and for fp16 packs on shader-f16 adapters', () => {
    expect(fitBackendToPack(gpu, manifest('float32'), 'auto')).toBe(gpu);
    const f16 = { info: { backend: 'webgpu' as const, shaderF16: true } };
    expect(fitBackendToPack(f16, manifest('float16'), 'auto')).toBe(f16);
  });
  it('falls back to wasm for an fp16 pack without shader-f16, and says why', () => {
    const r = fitBackendToPack(gpu, manifest('float16'), 'auto');
    expect(r.info.backend).toBe('wasm');
    expect(r.info.reason).toMatch(/fp16.*shader-f16/);
  });
  it('refuses an explicit WebGPU choice for an fp16 pack without shader-f16', () => {
    expect(() => fitBackendToPack(gpu, manifest('float16'), 'webgpu')).toThrow(/Choose the wasm backend/);
  });
});
