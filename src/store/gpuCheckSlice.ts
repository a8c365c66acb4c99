import { normalizeWorkerError } from '../clients/normalizeError';
import type { AppDeps, GetState, SetState } from './appStore';
import { gpuCheckLoadOptions, IDLE_GPU_CHECK, type GpuCheckState } from './gpuCheck';
import { isBusy } from './progress';

export interface GpuCheckSlice {
  gpuCheck: GpuCheckState;
  /**
   * "Check GPU": load the pack (current backend setting) unless loaded, then compare one UNet call on
   * WebGPU and wasm. Results and errors stay in `gpuCheck` (no error banner). No-op while a
   * generation or another check runs.
   */
  checkGpu(): Promise<void>;
  /** Stop a running check (terminates the generator worker; the next run reloads the pack). */
  cancelGpuCheck(): void;
}

export function createGpuCheckSlice(set: SetState, get: GetState, deps: AppDeps): GpuCheckSlice {
  let current = 0; // id of the check whose result still counts

  return {
    gpuCheck: IDLE_GPU_CHECK,

    async checkGpu() {
      const { job, gpuCheck, settings } = get();
      if (isBusy(job.status) || gpuCheck.status === 'running') return;
      const id = ++current;
      set({ gpuCheck: { status: 'running', phase: 'load' } });
      try {
        const loaded = await deps.generator.ensurePack(deps.manifestUrl(get().packPath), gpuCheckLoadOptions(settings.backend), () => {});
        if (id !== current) return;
        get().applyPack(loaded.pack);
        set({ backend: loaded.backend, gpuCheck: { status: 'running', phase: 'compare' } });
        const parity = await deps.generator.checkBackendParity();
        if (id !== current) return;
        set({ gpuCheck: { status: 'done', parity } });
      } catch (e) {
        if (id !== current) return;
        const error = normalizeWorkerError(e, 'inference-failed');
        set({ gpuCheck: error.code === 'cancelled' ? IDLE_GPU_CHECK : { status: 'error', error } });
      }
    },

    cancelGpuCheck() {
      if (get().gpuCheck.status !== 'running') return;
      current++; // a late result of the stopped check is ignored
      deps.generator.abort();
      set({ gpuCheck: IDLE_GPU_CHECK });
    },
  };
}
