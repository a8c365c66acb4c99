import { useApp } from '../store';
import { capabilityLines } from '../rpc/gpuCapabilities';

/**
 * The adapter's limits and features ("Your GPU" panel): the worker's answer once a pack loaded,
 * the main thread's probe before. Without an adapter, why WebGPU is off.
 */
export function GpuCapabilitiesView() {
  const gpu = useApp((s) => s.backend?.gpu ?? s.backendProbe?.gpu);
  const reason = useApp((s) => (s.backend ?? s.backendProbe)?.reason);
  if (!gpu) {
    return (
      <p className="muted" data-testid="gpu-capabilities" data-adapter="none">
        No WebGPU adapter{reason ? `: ${reason}` : ''}. The model runs on the CPU (wasm).
      </p>
    );
  }
  return (
    <dl className="gpu-capabilities" data-testid="gpu-capabilities" data-adapter={gpu.isFallbackAdapter ? 'fallback' : 'hardware'}>
      {capabilityLines(gpu).map((line) => (
        <div key={line.label} className={line.warn ? 'warn' : undefined}>
          <dt>{line.label}</dt>
          <dd>{line.value}</dd>
        </div>
      ))}
    </dl>
  );
}
