import { describe, expect, it } from 'vitest';
import { expectedBackend, packMaxEdge, probeBackend, summarizeManifest } from './backend';

const defaults = {
  width: 256, height: 192, frames: 12, contextFrames: 12, contextOverlap: 4, steps: 10,
  guidanceScale: 7.5, fps: 12, motionSpeed: 8, negativePrompt: 'blurry',
};

describe('summarizeManifest', () => {
  it('reads id, name, randomWeights and defaults', () => {
    expect(summarizeManifest({ id: 'tiny', name: 'Tiny', family: 'musev', randomWeights: true, defaults })).toEqual({
      id: 'tiny', name: 'Tiny', family: 'musev', randomWeights: true, defaults,
    });
  });
  it('rejects manifests without usable defaults', () => {
    expect(summarizeManifest(null)).toBeNull();
    expect(summarizeManifest({ id: 'x' })).toBeNull();
    expect(summarizeManifest({ id: 'x', defaults: { ...defaults, steps: 'ten' } })).toBeNull();
  });
  it('treats a missing randomWeights as false', () => {
    expect(summarizeManifest({ id: 'x', defaults })?.randomWeights).toBe(false);
  });
});

describe('packMaxEdge', () => {
  it('is the larger default side', () => expect(packMaxEdge(defaults)).toBe(256));
});

describe('probeBackend', () => {
  it('says why WebGPU is not used', async () => {
    expect(await probeBackend({} as Navigator)).toEqual({ backend: 'wasm', reason: 'this browser has no WebGPU' });
    const noAdapter = { gpu: { requestAdapter: async () => null } } as unknown as Navigator;
    expect((await probeBackend(noAdapter)).reason).toMatch(/no WebGPU adapter/);
    const adapter = { info: { vendor: 'v' }, features: new Set(['shader-f16']), limits: { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 30 } };
    const ok = { gpu: { requestAdapter: async () => adapter } } as unknown as Navigator;
    const probe = await probeBackend(ok);
    expect(probe.backend).toBe('webgpu');
    expect(probe.gpu).toMatchObject({ vendor: 'v', limits: { maxStorageBufferBindingSize: 2 ** 30 }, features: { shaderF16: true, subgroups: false } });
  });
});

describe('expectedBackend', () => {
  it('follows a wasm choice, else the probe', () => {
    const probe = { backend: 'webgpu' as const };
    expect(expectedBackend(probe, 'wasm')).toEqual({ backend: 'wasm', reason: 'the wasm backend is chosen in the settings' });
    expect(expectedBackend(probe, 'auto')).toBe(probe);
    expect(expectedBackend(probe, 'webgpu')).toBe(probe);
    expect(expectedBackend(null, 'auto')).toBeNull();
  });
});
