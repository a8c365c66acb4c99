import type { BackendInfo } from '../rpc/generatorApi';
import type { ErrorCode } from '../rpc/errors';
import type { BackendProbe } from '../store/backend';

/**
 * The backend badge's words. The worker's answer (after a pack load) wins over the main thread's guess.
 * Examples: "WebGPU · NVIDIA ampere · f16"; "wasm · WebGPU not used: this browser has no WebGPU".
 */
export function backendLabel(actual: BackendInfo | null, probe: BackendProbe | null): string {
  const info = actual ?? probe;
  if (!info) return 'Checking backend…';
  const guess = actual ? '' : ' (expected)';
  if (info.backend === 'webgpu') {
    const a = actual?.gpu;
    const gpu = a ? [a.vendor, a.architecture].filter(Boolean).join(' ') || a.description : '';
    const parts = [`WebGPU${guess}`];
    if (gpu) parts.push(gpu);
    if (actual?.shaderF16) parts.push('f16');
    if (a?.isFallbackAdapter) parts.push('software adapter');
    return parts.join(' · ');
  }
  return `wasm${guess} · WebGPU not used: ${info.reason ?? 'not available'}`;
}

const TITLES: Record<ErrorCode, string> = {
  'webgpu-unavailable': 'GPU problem',
  'out-of-memory': 'Out of memory',
  'device-lost': 'GPU device lost',
  'bad-image': 'Image not usable',
  'bad-input': 'Check your input',
  'pack-missing': 'Model pack not found',
  'pack-corrupt': 'Model pack damaged',
  'pack-incompatible': 'Model pack not supported',
  'download-failed': 'Download interrupted',
  'storage-full': 'Not enough storage',
  'model-load-failed': 'Model failed to load',
  'inference-failed': 'Generation failed',
  'encode-failed': 'Video encoding failed',
  cancelled: 'Cancelled',
  internal: 'Something went wrong',
};

export function errorTitle(code: ErrorCode): string {
  return TITLES[code] ?? TITLES.internal;
}

/** Text of a number field → number; blank or junk → NaN (the form then says "Enter a number."). */
export function parseNumberInput(text: string): number {
  const t = text.trim().replace(',', '.');
  if (t === '') return Number.NaN;
  const n = Number(t);
  return Number.isFinite(n) ? n : Number.NaN;
}

/** Bytes as "1.4 MB" / "830 KB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}
