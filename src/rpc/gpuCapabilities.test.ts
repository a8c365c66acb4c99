import { describe, expect, it } from 'vitest';
import { adapterCapabilities, capabilityLines, formatBinaryBytes } from './gpuCapabilities';

function fakeAdapter(features: string[], info: Partial<GPUAdapterInfo & { isFallbackAdapter: boolean }>): GPUAdapter {
  return {
    info,
    features: new Set(features),
    limits: { maxBufferSize: 4 * 2 ** 30, maxStorageBufferBindingSize: 2 ** 30 },
  } as unknown as GPUAdapter;
}

describe('adapterCapabilities', () => {
  it('reads limits, features and the fallback flag', () => {
    const c = adapterCapabilities(fakeAdapter(['shader-f16', 'timestamp-query'], { vendor: 'nvidia', architecture: 'hopper', isFallbackAdapter: false }));
    expect(c).toEqual({
      vendor: 'nvidia',
      architecture: 'hopper',
      description: '',
      isFallbackAdapter: false,
      limits: { maxBufferSize: 4 * 2 ** 30, maxStorageBufferBindingSize: 2 ** 30 },
      features: { shaderF16: true, subgroups: false, timestampQuery: true },
    });
  });

  it('flags a software adapter without shader-f16', () => {
    const lines = capabilityLines(adapterCapabilities(fakeAdapter([], { vendor: 'google', description: 'SwiftShader', isFallbackAdapter: true })));
    expect(lines.find((l) => l.label.startsWith('Software'))).toMatchObject({ value: 'yes', warn: true });
    expect(lines.find((l) => l.label.startsWith('shader-f16'))).toMatchObject({ value: 'no', warn: true });
    expect(lines[0].value).toBe('google · SwiftShader');
  });
});

describe('formatBinaryBytes', () => {
  it('writes limits in GiB or MiB', () => {
    expect(formatBinaryBytes(4 * 2 ** 30)).toBe('4 GiB');
    expect(formatBinaryBytes(2 ** 31 - 4)).toBe('2 GiB');
    expect(formatBinaryBytes(256 * 2 ** 20)).toBe('256 MiB');
    expect(formatBinaryBytes(1.5 * 2 ** 20)).toBe('1.5 MiB');
  });
});
