import { describe, expect, it } from 'vitest';
import { backendLabel, errorTitle, formatBytes, parseNumberInput } from './text';

describe('backendLabel', () => {
  it('shows the guess until the worker answers', () => {
    expect(backendLabel(null, null)).toBe('Checking backend…');
    expect(backendLabel(null, { backend: 'webgpu' })).toBe('WebGPU (expected)');
    expect(backendLabel(null, { backend: 'wasm', reason: 'this browser has no WebGPU' })).toBe(
      'wasm (expected) · WebGPU not used: this browser has no WebGPU',
    );
  });
  it("shows the worker's backend with adapter details", () => {
    const gpu = {
      vendor: 'nvidia', architecture: 'hopper', description: '', isFallbackAdapter: false,
      limits: { maxBufferSize: 2 ** 32, maxStorageBufferBindingSize: 2 ** 31 }, features: { shaderF16: true, subgroups: true, timestampQuery: true },
    };
    expect(backendLabel({ backend: 'webgpu', gpu, shaderF16: true }, { backend: 'wasm' })).toBe('WebGPU · nvidia hopper · f16');
    expect(backendLabel({ backend: 'wasm', reason: 'no adapter', shaderF16: false }, { backend: 'webgpu' })).toBe(
      'wasm · WebGPU not used: no adapter',
    );
  });
});

describe('small formatters', () => {
  it('parses number fields', () => {
    expect(parseNumberInput(' 12 ')).toBe(12);
    expect(parseNumberInput('7,5')).toBe(7.5);
    expect(parseNumberInput('')).toBeNaN();
    expect(parseNumberInput('abc')).toBeNaN();
  });
  it('formats bytes and error titles', () => {
    expect(formatBytes(1536 * 1024)).toBe('1.5 MB');
    expect(formatBytes(100)).toBe('1 KB');
    expect(errorTitle('bad-image')).toBe('Image not usable');
  });
});
