import { useId, useMemo } from 'react';
import { useApp } from '../store';
import { GpuCapabilitiesView } from './GpuCapabilitiesView';
import { NumberField } from './NumberField';
import { defaultBudgetBytes } from '../core/memoryPlan';
import { validateSettings } from '../store/settings';
import { gpuCheckText } from '../store/gpuCheck';
import { isBusy } from '../store/progress';
import { BACKEND_CHOICES, isBackendChoice, type BackendChoice } from '../store/settings';

const BACKEND_LABELS: Record<BackendChoice, string> = {
  auto: 'Auto (WebGPU when available)',
  webgpu: 'WebGPU',
  wasm: 'wasm (CPU)',
};

/**
 * "Your GPU": which onnxruntime backend runs the model (persisted setting, used from the next
 * Generate) and the GPU self-check, which compares one UNet call on WebGPU with wasm.
 * The header badge keeps showing the backend the worker really used.
 */
export function GpuSettings() {
  const backend = useApp((s) => s.settings.backend);
  const setSetting = useApp((s) => s.setSetting);
  const id = useId();

  return (
    <section className="gpu-settings" aria-labelledby={`${id}-heading`}>
      <h3 id={`${id}-heading`}>Your GPU</h3>
      <GpuCapabilitiesView />
      <div className="field">
        <label htmlFor={`${id}-backend`} className="field-label">
          Backend
        </label>
        <select
          id={`${id}-backend`}
          data-testid="backend-select"
          value={backend}
          aria-describedby={`${id}-backend-hint`}
          onChange={(e) => {
            if (isBackendChoice(e.target.value)) setSetting('backend', e.target.value);
          }}
        >
          {BACKEND_CHOICES.map((choice) => (
            <option key={choice} value={choice}>
              {BACKEND_LABELS[choice]}
            </option>
          ))}
        </select>
        <span id={`${id}-backend-hint`} className="field-hint">
          Where the model runs: WebGPU is fast, wasm (CPU) is slow but gives the reference numbers; a change applies from the next Generate.
        </span>
      </div>
      <MemoryBudget />
      <GpuCheck />
    </section>
  );
}

/** "Check GPU" and its result line (errors too: they stay here, not in the error banner). */
function GpuCheck() {
  const check = useApp((s) => s.gpuCheck);
  const generating = useApp((s) => isBusy(s.job.status));
  const checkGpu = useApp((s) => s.checkGpu);
  const cancelGpuCheck = useApp((s) => s.cancelGpuCheck);
  const running = check.status === 'running';
  const shown = gpuCheckText(check);

  return (
    <div className="gpu-check">
      <div className="field-row">
        <button
          type="button"
          data-testid="gpu-check"
          disabled={generating || running}
          title={generating ? 'Wait for the generation to finish' : 'Compare one UNet call on WebGPU with the CPU (wasm)'}
          onClick={() => void checkGpu()}
        >
          {running ? 'Checking…' : 'Check GPU'}
        </button>
        {running && (
          <button type="button" className="link-button" data-testid="gpu-check-stop" onClick={cancelGpuCheck}>
            Stop
          </button>
        )}
      </div>
      <p
        className={`gpu-check-result tone-${shown?.tone ?? 'none'}`}
        data-testid="gpu-check-result"
        data-status={check.status}
        data-max-abs-diff={check.status === 'done' ? String(check.parity.maxAbsDiff) : undefined}
        data-code={check.status === 'error' ? check.error.code : undefined}
        aria-live="polite"
      >
        {shown?.text ?? ''}
      </p>
    </div>
  );
}

/** The memory planner's budget (GiB); blank = from the adapter, whose default the box shows. */
function MemoryBudget() {
  const settings = useApp((s) => s.settings);
  const error = useMemo(() => validateSettings(settings).memoryBudgetGiB, [settings]);
  const binding = useApp((s) => (s.backend?.gpu ?? s.backendProbe?.gpu)?.limits.maxStorageBufferBindingSize);
  const fallback = defaultBudgetBytes(binding) / 2 ** 30;
  return (
    <NumberField
      name="memoryBudgetGiB"
      label="GPU memory budget (GiB)"
      testId="memory-budget"
      step={0.5}
      placeholder={`${fallback} (from your GPU)`}
      error={error}
      hint="How much memory the denoising loop may plan for: more lets several context windows share one UNet call (faster). Leave blank for the adapter's default; lower it if other apps need the GPU."
    />
  );
}
