import { describe, expect, it } from 'vitest';
import type { BackendParity } from '../rpc/generatorApi';
import { describeParity, formatDiff, gpuCheckLoadOptions, gpuCheckText, parityMatches, PARITY_TOLERANCE } from './gpuCheck';

const parity = (maxAbsDiff: number, extra: Partial<BackendParity> = {}): BackendParity => ({
  maxAbsDiff, maxAbs: 4.1, elements: 1536, wasmMs: 40.2, webgpuMs: 119.6, ...extra,
});

describe('formatDiff', () => {
  it('writes small differences in e-notation and larger ones with two digits', () => {
    expect(formatDiff(0)).toBe('0');
    expect(formatDiff(3.14e-6)).toBe('3.1e-6');
    expect(formatDiff(0.00123)).toBe('1.2e-3');
    expect(formatDiff(0.25)).toBe('0.25');
    expect(formatDiff(12.3)).toBe('12');
    expect(formatDiff(Number.NaN)).toBe('NaN');
  });
});

describe('parity verdict', () => {
  it('matches up to 1e-3 inclusive; NaN never matches', () => {
    expect(PARITY_TOLERANCE).toBe(1e-3);
    expect(parityMatches(parity(1e-3))).toBe(true);
    expect(parityMatches(parity(1.01e-3))).toBe(false);
    expect(parityMatches(parity(Number.NaN))).toBe(false);
  });

  it('says it matches, with both timings per UNet call', () => {
    expect(describeParity(parity(3.1e-6))).toBe(
      'WebGPU matches the CPU: max difference 3.1e-6 (WebGPU 120 ms, wasm 40 ms per UNet call)',
    );
  });

  it('warns and suggests wasm when the numbers differ', () => {
    const text = describeParity(parity(0.25));
    expect(text).toMatch(/^WebGPU gives different numbers on this GPU: max difference 0\.25 \(outputs up to 4\.1\)\./);
    expect(text).toMatch(/wasm \(CPU\) backend/);
  });
});

describe('gpuCheckText', () => {
  it('describes every state', () => {
    expect(gpuCheckText({ status: 'idle' })).toBeNull();
    expect(gpuCheckText({ status: 'running', phase: 'load' })).toEqual({ tone: 'busy', text: 'Loading the model for the check…' });
    expect(gpuCheckText({ status: 'running', phase: 'compare' })?.tone).toBe('busy');
    expect(gpuCheckText({ status: 'done', parity: parity(1e-6) })?.tone).toBe('ok');
    expect(gpuCheckText({ status: 'done', parity: parity(1) })?.tone).toBe('warn');
    expect(gpuCheckText({ status: 'error', error: { code: 'webgpu-unavailable', message: 'No WebGPU here.' } })).toEqual({
      tone: 'error', text: 'GPU check failed: No WebGPU here.',
    });
  });
});

describe('gpuCheckLoadOptions', () => {
  it("loads with the user's backend (the check builds its own WebGPU and wasm sessions)", () => {
    expect(gpuCheckLoadOptions('auto')).toEqual({ backend: 'auto' });
    expect(gpuCheckLoadOptions('wasm')).toEqual({ backend: 'wasm' });
  });
});
