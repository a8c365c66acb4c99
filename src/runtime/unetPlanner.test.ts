import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PackManifest } from '../packs/manifest';
import type { GpuCapabilities } from '../rpc/gpuCapabilities';
import { unetPlannerFor } from './unetPlanner';

const GiB = 2 ** 30;
const manifest = JSON.parse(readFileSync(new URL('../../public/packs/tiny-musev/manifest.json', import.meta.url), 'utf8')) as PackManifest;
const gpu = (binding: number): GpuCapabilities => ({
  vendor: 'v', architecture: 'a', description: '', isFallbackAdapter: false,
  limits: { maxBufferSize: binding, maxStorageBufferBindingSize: binding },
  features: { shaderF16: true, subgroups: false, timestampQuery: false },
});
const facts = { latentHeight: 16, latentWidth: 16, windowLengths: [4, 4, 4, 2], cfg: true, contextTokens: 77, frames: 10 };

describe('unetPlannerFor', () => {
  it('stacks the same-length windows of a small clip and says so', () => {
    const plan = unetPlannerFor(manifest, { backend: 'wasm', shaderF16: false })(facts);
    expect(plan.plan).toEqual({ windowsPerCall: 3, cfgTogether: true });
    expect(plan.summary).toMatch(/^3 windows per UNet call \(2 calls per step\), guidance halves together; estimated peak .* of a 3\.5 GiB budget, .* on wasm$/);
    expect(plan.vaeFramesPerCall).toBe(10); // a 128×128 clip: every frame in one decoder call
  });

  it('gives the VAE fewer frames per call when they do not fit', () => {
    const big = { ...facts, latentHeight: 128, latentWidth: 128 };
    const n = unetPlannerFor(manifest, { backend: 'webgpu', shaderF16: true, gpu: gpu(GiB) }, 2 * GiB)(big).vaeFramesPerCall!;
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThan(10);
  });

  it('falls back to smaller calls under a small budget, and says what to lower when nothing fits', () => {
    const backend = { backend: 'webgpu' as const, shaderF16: true, gpu: gpu(GiB) };
    const roomy = unetPlannerFor(manifest, backend)(facts);
    expect(roomy.summary).toMatch(/of a 4 GiB budget.*limit 1 GiB\) on WebGPU$/);
    const big = { ...facts, latentHeight: 128, latentWidth: 128 }; // 1024×1024 on an SD1.5-size layout
    const tight = unetPlannerFor(manifest, backend, 0.2 * GiB)(big);
    expect(tight.plan).toEqual({ windowsPerCall: 1, cfgTogether: false });
    expect(tight.summary).toMatch(/lower the resolution first/);
  });

  it('plans with the pack\'s query-chunked attention: 512×320, 12 frames, context 12, CFG on a 1 GiB binding limit', () => {
    // the demo manifest states no layout, so the planner assumes SD1.5's (320..1280 channels, 8 heads)
    const backend = { backend: 'webgpu' as const, shaderF16: true, gpu: gpu(GiB) };
    const clip = { latentHeight: 40, latentWidth: 64, windowLengths: [12], cfg: true, contextTokens: 77, frames: 12 };
    const whole = unetPlannerFor(manifest, backend)(clip);
    expect(manifest.unet.attentionQueryChunks).toBeUndefined();
    expect(whole.estimate!.largestTensorBytes).toBe(13 * 8 * 2560 * 5120 * 4); // 5.45 GB of level-0 scores
    expect(whole.summary).toMatch(/lower the resolution first.*--attention-query-chunks 6 \(or more\)\.$/);
    const chunkedPack: PackManifest = { ...manifest, unet: { ...manifest.unet, attentionQueryChunks: [8, 2, 1, 1] } };
    const chunked = unetPlannerFor(chunkedPack, backend)(clip);
    expect(chunked.plan).toEqual({ windowsPerCall: 1, cfgTogether: false });
    expect(chunked.estimate!.largestTensorBytes).toBe(13 * 8 * 320 * 5120 * 4); // 682 MB < 1 GiB
    expect(chunked.estimate!.peakBytes).toBeLessThanOrEqual(4 * GiB);
    expect(chunked.summary).toMatch(/^1 window per UNet call \(1 call per step\), guidance halves apart; .*\(limit 1 GiB; attention in 8 query chunks\) on WebGPU$/);
  });
});
