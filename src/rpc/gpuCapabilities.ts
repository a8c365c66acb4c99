/**
 * What a WebGPU adapter offers, as plain data that crosses the worker boundary: the limits the
 * memory plan needs, the features that matter to onnxruntime (shader-f16 for fp16 packs, subgroups
 * — not requested, see src/runtime/webgpuDevice.ts —, timestamp-query for per-kernel timing) and
 * whether it is a software fallback adapter (SwiftShader: correct but very slow).
 */
export interface GpuCapabilities {
  vendor: string;
  architecture: string;
  description: string;
  isFallbackAdapter: boolean;
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
  features: { shaderF16: boolean; subgroups: boolean; timestampQuery: boolean };
}

/** Reads an adapter's capabilities (`adapter.info`, `limits`, `features`). */
export function adapterCapabilities(adapter: GPUAdapter): GpuCapabilities {
  const info = adapter.info as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | undefined;
  return {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    description: info?.description ?? '',
    isFallbackAdapter: Boolean(info?.isFallbackAdapter ?? (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter),
    limits: { maxBufferSize: adapter.limits.maxBufferSize, maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize },
    features: {
      shaderF16: adapter.features.has('shader-f16'),
      subgroups: adapter.features.has('subgroups'),
      timestampQuery: adapter.features.has('timestamp-query'),
    },
  };
}

const MiB = 2 ** 20;

/** "4 GiB", "256 MiB": a limit in words. */
export function formatBinaryBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${+(bytes / 2 ** 30).toFixed(bytes % 2 ** 30 === 0 ? 0 : 2)} GiB`;
  return `${+(bytes / MiB).toFixed(bytes % MiB === 0 ? 0 : 1)} MiB`;
}

/** One line per fact for the "Your GPU" panel. */
export function capabilityLines(c: GpuCapabilities): { label: string; value: string; warn?: boolean }[] {
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  return [
    { label: 'Adapter', value: [c.vendor, c.architecture, c.description].filter(Boolean).join(' · ') || 'unnamed' },
    { label: 'Software (fallback) adapter', value: yes(c.isFallbackAdapter), warn: c.isFallbackAdapter },
    { label: 'Largest buffer', value: formatBinaryBytes(c.limits.maxBufferSize) },
    { label: 'Largest storage binding', value: formatBinaryBytes(c.limits.maxStorageBufferBindingSize) },
    { label: 'shader-f16 (fp16 packs)', value: yes(c.features.shaderF16), warn: !c.features.shaderF16 },
    { label: 'subgroups', value: yes(c.features.subgroups) },
    { label: 'timestamp-query', value: yes(c.features.timestampQuery) },
  ];
}
