import { describe, expect, it } from 'vitest';
import type { StateStorage } from 'zustand/middleware';
import type { EncoderClient } from '../clients/encoderClient';
import type { GeneratorClient, LoadedPack } from '../clients/generatorClient';
import type { AppError } from '../rpc/errors';
import type { BackendParity, LoadOptions } from '../rpc/generatorApi';
import { createAppStore, STORAGE_KEY, type AppDeps } from './appStore';

const DEFAULTS = {
  width: 256, height: 256, frames: 2, contextFrames: 2, contextOverlap: 1, steps: 2,
  guidanceScale: 3, fps: 8, motionSpeed: 4, negativePrompt: '',
};
const PACK = { id: 'tiny-musev', name: 'Tiny MuseV', family: 'musev', randomWeights: true, defaults: DEFAULTS };
const PARITY: BackendParity = { maxAbsDiff: 3.1e-6, maxAbs: 2, elements: 1536, wasmMs: 40, webgpuMs: 120 };
const CANCELLED: AppError = { code: 'cancelled', message: 'cancelled' };

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/**
 * A fake generator client that behaves like the real one where it matters here: ensurePack is
 * cached per (url, backend), the worker resolves 'auto' to WebGPU, and abort rejects what is pending.
 */
function harness(overrides: Partial<AppDeps> = {}) {
  const loads: LoadOptions[] = [];
  let cachedKey: string | null = null;
  let parityCall: ReturnType<typeof deferred<BackendParity>> | null = null;
  let genCall: ReturnType<typeof deferred<never>> | null = null;
  const generator: GeneratorClient = {
    async ensurePack(url, options): Promise<LoadedPack> {
      const backend = options.backend ?? 'auto';
      if (cachedKey !== `${url}|${backend}`) loads.push(options);
      cachedKey = `${url}|${backend}`;
      const used = backend === 'wasm' ? 'wasm' : 'webgpu';
      return { pack: PACK, backend: { backend: used, shaderF16: false } };
    },
    generate() {
      genCall = deferred<never>();
      return genCall.promise;
    },
    checkBackendParity() {
      parityCall = deferred<BackendParity>();
      return parityCall.promise;
    },
    abort() {
      const pending = parityCall ?? genCall;
      if (!pending) return false;
      cachedKey = null;
      pending.reject(CANCELLED);
      parityCall = genCall = null;
      return true;
    },
    get busy() {
      return parityCall !== null || genCall !== null;
    },
  };
  const encoder: EncoderClient = { encodeMp4: () => new Promise(() => {}), encode: () => new Promise(() => {}), abort: () => false, busy: false };
  const deps: AppDeps = {
    generator, encoder, storage: null,
    manifestUrl: () => 'http://app/packs/tiny-musev/manifest.json',
    now: () => 0, random: () => 0.5,
    decodeImage: async () => ({ width: 256, height: 256, rgba: new Uint8ClampedArray(16) }),
    cropResize: (_i, w, h) => new Uint8ClampedArray(w * h * 4),
    fetchJson: async () => PACK,
    probeBackend: async () => ({ backend: 'webgpu' }),
    createObjectURL: () => 'blob:1', revokeObjectURL: () => {},
    ...overrides,
  };
  const store = createAppStore(deps);
  const parity = () => {
    if (!parityCall) throw new Error('no parity call pending');
    return parityCall;
  };
  const withImage = () => store.getState().setImageFile({ name: 'a.png', type: 'image/png', size: 10 } as File);
  /** End the running generation with an error (the worker and its loaded pack stay). */
  const failGenerate = () => {
    genCall?.reject({ code: 'inference-failed', message: 'failed' });
    genCall = null;
  };
  return { store, loads, parity, withImage, failGenerate, generating: () => genCall !== null };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('backend setting', () => {
  it('each Generate loads the pack on the chosen backend; a change reloads it', async () => {
    const h = harness();
    await h.withImage();
    const run = async () => {
      void h.store.getState().generate();
      await tick();
      h.failGenerate();
      await tick();
    };
    await run();
    expect(h.loads).toEqual([{ backend: 'auto' }]);
    expect(h.store.getState().backend?.backend).toBe('webgpu');
    await run(); // same choice: the loaded pack is reused
    expect(h.loads).toHaveLength(1);

    h.store.getState().setSetting('backend', 'wasm');
    expect(h.store.getState().backend?.backend).toBe('webgpu'); // the badge shows what really ran
    await run();
    expect(h.loads).toEqual([{ backend: 'auto' }, { backend: 'wasm' }]);
    expect(h.store.getState().backend?.backend).toBe('wasm');
  });

  it('persists the choice, restores only known values, and Reset keeps it', async () => {
    const data = new Map<string, string>();
    const storage: StateStorage = { getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
    const first = harness({ storage });
    first.store.getState().setSetting('backend', 'wasm');
    expect(JSON.parse(data.get(STORAGE_KEY)!).state.settings.backend).toBe('wasm');
    expect(harness({ storage }).store.getState().settings.backend).toBe('wasm');

    const again = harness({ storage });
    again.store.getState().resetSettings();
    expect(again.store.getState().settings.backend).toBe('wasm');

    const saved = JSON.parse(data.get(STORAGE_KEY)!);
    saved.state.settings.backend = 'cuda';
    data.set(STORAGE_KEY, JSON.stringify(saved));
    expect(harness({ storage }).store.getState().settings.backend).toBe('auto');
  });
});

describe('GPU check', () => {
  it('loads the pack with the backend setting, then shows the parity result', async () => {
    const h = harness();
    const running = h.store.getState().checkGpu();
    expect(h.store.getState().gpuCheck).toEqual({ status: 'running', phase: 'load' });
    await tick();
    expect(h.loads).toEqual([{ backend: 'auto' }]);
    expect(h.store.getState().gpuCheck).toEqual({ status: 'running', phase: 'compare' });
    expect(h.store.getState().backend?.backend).toBe('webgpu');
    expect(h.store.getState().pack?.id).toBe('tiny-musev');
    h.parity().resolve(PARITY);
    await running;
    expect(h.store.getState().gpuCheck).toEqual({ status: 'done', parity: PARITY });
  });

  it("with the wasm setting it reuses the pack loaded for generation (the check makes its own sessions)", async () => {
    const h = harness();
    h.store.getState().setSetting('backend', 'wasm');
    const running = h.store.getState().checkGpu();
    await tick();
    h.parity().resolve(PARITY);
    await running;
    expect(h.loads).toEqual([{ backend: 'wasm' }]);
  });

  it('shows errors in the check result, not in the error banner', async () => {
    const h = harness();
    const running = h.store.getState().checkGpu();
    await tick();
    h.parity().reject({ code: 'webgpu-unavailable', message: 'The GPU check needs WebGPU.' });
    await running;
    expect(h.store.getState().gpuCheck).toEqual({
      status: 'error', error: { code: 'webgpu-unavailable', message: 'The GPU check needs WebGPU.' },
    });
    expect(h.store.getState().error).toBeNull();
  });

  it('a failing pack load (WebGPU forced but missing) also lands in the check result', async () => {
    const unavailable: AppError = { code: 'webgpu-unavailable', message: 'WebGPU was requested but cannot be used.' };
    const seen: LoadOptions[] = [];
    const h = harness({
      generator: {
        ensurePack: async (_url, options) => (seen.push(options), Promise.reject(unavailable)),
        generate: async () => Promise.reject(unavailable),
        checkBackendParity: async () => PARITY,
        abort: () => false,
        busy: false,
      },
    });
    h.store.getState().setSetting('backend', 'webgpu');
    await h.store.getState().checkGpu();
    expect(seen).toEqual([{ backend: 'webgpu' }]);
    expect(h.store.getState().gpuCheck).toEqual({ status: 'error', error: unavailable });
    expect(h.store.getState().error).toBeNull();
  });

  it('does nothing while a generation runs, and Generate waits for a running check', async () => {
    const h = harness();
    await h.withImage();
    void h.store.getState().generate();
    await tick();
    expect(h.generating()).toBe(true);
    await h.store.getState().checkGpu();
    expect(h.store.getState().gpuCheck.status).toBe('idle');
    h.store.getState().cancel();

    const check = h.store.getState().checkGpu();
    await tick();
    await h.store.getState().generate();
    expect(h.store.getState().job.status).toBe('cancelled'); // unchanged: no new job started
    h.parity().resolve(PARITY);
    await check;
    expect(h.store.getState().gpuCheck.status).toBe('done');
  });

  it('Stop ends a running check at once and ignores its late result', async () => {
    const h = harness();
    const running = h.store.getState().checkGpu();
    await tick();
    const pending = h.parity();
    h.store.getState().cancelGpuCheck();
    expect(h.store.getState().gpuCheck).toEqual({ status: 'idle' });
    pending.resolve(PARITY); // already rejected by abort: no effect
    await running;
    expect(h.store.getState().gpuCheck).toEqual({ status: 'idle' });
    expect(h.store.getState().error).toBeNull();
  });
});
