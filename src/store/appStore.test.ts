import { describe, expect, it } from 'vitest';
import type { StateStorage } from 'zustand/middleware';
import type { EncoderClient } from '../clients/encoderClient';
import type { GenerateOutput, GeneratorClient, LoadedPack } from '../clients/generatorClient';
import type { VideoEncodeRequest, VideoEncodeResult } from '../rpc/encoderApi';
import type { AppError } from '../rpc/errors';
import type { GenerateRequest } from '../rpc/generatorApi';
import type { ProgressCallback } from '../rpc/progress';
import { createAppStore, STORAGE_KEY, type AppDeps } from './appStore';
import { BUILTIN_DEFAULTS } from './settings';

const DEFAULTS = {
  width: 256, height: 256, frames: 2, contextFrames: 2, contextOverlap: 1, steps: 2,
  guidanceScale: 3, fps: 8, motionSpeed: 4, negativePrompt: 'ugly',
};
const MANIFEST = { id: 'tiny-musev', name: 'Tiny MuseV', family: 'musev', randomWeights: true, defaults: DEFAULTS };
const LOADED: LoadedPack = {
  pack: { id: 'tiny-musev', name: 'Tiny MuseV', family: 'musev', randomWeights: true, defaults: DEFAULTS },
  backend: { backend: 'wasm', reason: 'no adapter', shaderF16: false },
};

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

function memoryStorage(): StateStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

/** Fake clients whose calls the test resolves by hand; abort rejects like the real ones. */
function harness(overrides: Partial<AppDeps> = {}) {
  const calls = { loads: 0, generates: [] as GenerateRequest[], encodes: 0, encodeRequests: [] as VideoEncodeRequest[], aborts: 0, revoked: [] as string[] };
  let genCall: { d: ReturnType<typeof deferred<GenerateOutput>>; onProgress: ProgressCallback } | null = null;
  let encCall: ReturnType<typeof deferred<VideoEncodeResult>> | null = null;
  let packCached = false;
  const cancelled: AppError = { code: 'cancelled', message: 'cancelled' };
  const generator: GeneratorClient = {
    async ensurePack(_url, _opts, onProgress) {
      if (!packCached) {
        calls.loads++;
        onProgress({ type: 'stage', stage: 'load-pack' });
        packCached = true;
      }
      return LOADED;
    },
    generate(request, onProgress) {
      calls.generates.push(request);
      genCall = { d: deferred<GenerateOutput>(), onProgress };
      return genCall.d.promise;
    },
    checkBackendParity: async () => ({ maxAbsDiff: 0, maxAbs: 0, elements: 0, wasmMs: 0, webgpuMs: 0 }),
    abort() {
      if (!genCall) return false;
      calls.aborts++;
      packCached = false;
      genCall.d.reject(cancelled);
      genCall = null;
      return true;
    },
    get busy() {
      return genCall !== null;
    },
  };
  const encoder: EncoderClient = {
    encodeMp4() {
      throw new Error('the app encodes with encode()');
    },
    encode(request) {
      calls.encodes++;
      calls.encodeRequests.push(request);
      encCall = deferred();
      return encCall.promise;
    },
    abort() {
      if (!encCall) return false;
      encCall.reject(cancelled);
      encCall = null;
      return true;
    },
    get busy() {
      return encCall !== null;
    },
  };
  let urls = 0;
  let t = 0;
  const deps: AppDeps = {
    generator,
    encoder,
    storage: null,
    manifestUrl: () => 'http://app/packs/tiny-musev/manifest.json',
    now: () => (t += 100),
    random: () => 0.5,
    decodeImage: async (file) => {
      if ((file as File).name.startsWith('corrupt')) throw { code: 'bad-image', message: 'could not decode' };
      return { width: 1024, height: 768, rgba: new Uint8ClampedArray(16) };
    },
    cropResize: (_img, w, h) => new Uint8ClampedArray(w * h * 4),
    fetchJson: async () => MANIFEST,
    probeBackend: async () => ({ backend: 'wasm', reason: 'this browser has no WebGPU' }),
    createObjectURL: () => `blob:${++urls}`,
    revokeObjectURL: (u) => void calls.revoked.push(u),
    ...overrides,
  };
  const store = createAppStore(deps);
  const finishGenerate = (frames = 3) => {
    const g = genCall!;
    genCall = null;
    g.d.resolve({
      frames: Array.from({ length: frames }, () => new Uint8ClampedArray(16)),
      frameCount: frames, width: 256, height: 192, backend: 'wasm',
      timings: { totalMs: 10, msPerStep: 5, denoiseMs: 8, decodeMs: 2 },
    });
  };
  const finishEncode = (extension = 'mp4', mimeType = 'video/mp4') => {
    const e = encCall!;
    encCall = null;
    e.resolve({ bytes: new Uint8Array([0, 0, 0, 24]), mimeType, extension, encoder: 'webcodecs', codec: 'avc1.42001e', reason: 'auto: test', ms: 3 });
  };
  const failGenerate = (e: unknown) => {
    const g = genCall!;
    genCall = null;
    g.d.reject(e);
  };
  return { store, calls, deps, finishGenerate, finishEncode, failGenerate, progress: () => genCall!.onProgress };
}

const file = (name: string, type = 'image/png', size = 1000) => ({ name, type, size }) as File;
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('app store', () => {
  it('init reads the pack defaults and the backend guess', async () => {
    const { store } = harness();
    await store.getState().init();
    const s = store.getState();
    expect(s.pack?.randomWeights).toBe(true);
    expect(s.packStatus).toBe('ready');
    expect(s.backendProbe).toEqual({ backend: 'wasm', reason: 'this browser has no WebGPU' });
    expect(s.settings).toMatchObject({ frames: 2, steps: 2, negativePrompt: 'ugly', seed: 42 });
    expect(s.settingsFromPackId).toBe('tiny-musev');
  });

  it('a missing manifest leaves built-in defaults and says why', async () => {
    const { store } = harness({ fetchJson: async () => Promise.reject(new Error('HTTP 404')) });
    await store.getState().init();
    expect(store.getState()).toMatchObject({ packStatus: 'error', packProblem: 'HTTP 404', pack: null });
  });

  it('settings edited before the manifest arrives are kept', async () => {
    const { store } = harness();
    store.getState().setSetting('steps', 25);
    await store.getState().init();
    expect(store.getState().settings).toMatchObject({ steps: 25, frames: 2 });
  });

  it('an image sets width/height from its size; a bad file keeps the previous image', async () => {
    const { store, calls } = harness();
    await store.getState().init();
    expect(await store.getState().setImageFile(file('a.png'))).toBe(true);
    expect(store.getState().image).toMatchObject({ name: 'a.png', width: 1024, height: 768, url: 'blob:1' });
    expect(store.getState().settings).toMatchObject({ width: 256, height: 192 });

    expect(await store.getState().setImageFile(file('notes.txt', 'text/plain'))).toBe(false);
    expect(store.getState().error?.code).toBe('bad-image');
    expect(store.getState().image?.name).toBe('a.png');

    expect(await store.getState().setImageFile(file('corrupt.png'))).toBe(false);
    expect(store.getState().error).toMatchObject({ code: 'bad-image', message: 'could not decode' });
    expect(store.getState().image?.name).toBe('a.png');

    expect(await store.getState().setImageFile(file('b.png'))).toBe(true);
    expect(store.getState().error).toBeNull();
    expect(calls.revoked).toContain('blob:1');
  });

  it('generate without an image explains instead of starting', async () => {
    const { store, calls } = harness();
    await store.getState().generate();
    expect(store.getState().error?.code).toBe('bad-input');
    expect(store.getState().job.status).toBe('idle');
    expect(calls.loads).toBe(0);
  });

  it('generate refuses invalid settings and names them', async () => {
    const { store } = harness();
    await store.getState().setImageFile(file('a.png'));
    store.getState().setSetting('contextOverlap', 12);
    store.getState().setSetting('width', 100);
    await store.getState().generate();
    expect(store.getState().error?.message).toBe('Fix these settings first: width, context overlap.');
  });

  it('runs the whole flow: pack → generate with live frames → encode → blob URL', async () => {
    const h = harness();
    const { store } = h;
    await store.getState().init();
    await store.getState().setImageFile(file('a.png'));
    store.getState().setSetting('prompt', 'A girl, smiling');
    const running = store.getState().generate();
    await tick();
    expect(h.calls.generates).toHaveLength(1);
    const req = h.calls.generates[0];
    expect(req).toMatchObject({ width: 256, height: 192, frames: 2, prompt: 'A girl, smiling', negativePrompt: 'ugly', wIndNoise: 0.5 });
    expect(req.image?.rgba.length).toBe(256 * 192 * 4);
    expect(store.getState().backend?.backend).toBe('wasm');

    const p = h.progress();
    p({ type: 'stage', stage: 'denoise' });
    p({ type: 'step', step: 0, steps: 2, msPerStep: 50 });
    expect(store.getState().job).toMatchObject({ status: 'running', stage: 'denoise', stepsDone: 1, etaMs: 50 });
    p({ type: 'frame', frame: 0, frames: 3, width: 2, height: 2, rgba: new Uint8ClampedArray(16) });
    expect(store.getState().job.liveFrames).toHaveLength(1);

    h.finishGenerate();
    await tick();
    expect(store.getState().job.status).toBe('encoding');
    expect(h.calls.encodes).toBe(1);
    h.finishEncode();
    await running;
    expect(store.getState().job).toMatchObject({
      status: 'done', resultUrl: 'blob:2', resultName: 'a-girl-smiling-seed42.mp4', resultBytes: 4,
      resultMime: 'video/mp4', resultNote: 'WebCodecs avc1.42001e (auto: test)',
    });
    expect(h.calls.encodeRequests[0]).toMatchObject({ format: 'mp4', encoder: 'auto', width: 256, height: 192 });
    expect(store.getState().job.timings?.encodeMs).toBe(3);
  });

  it('encodes in the chosen video format and encoder, and names the file with its extension', async () => {
    const h = harness();
    const { store } = h;
    await store.getState().setImageFile(file('a.png'));
    store.getState().setSetting('prompt', 'A girl');
    store.getState().setSetting('videoFormat', 'gif');
    store.getState().setSetting('videoEncoder', 'ffmpeg');
    const running = store.getState().generate();
    await tick();
    h.finishGenerate();
    await tick();
    expect(h.calls.encodeRequests[0]).toMatchObject({ format: 'gif', encoder: 'ffmpeg' });
    h.finishEncode('gif', 'image/gif');
    await running;
    expect(store.getState().job).toMatchObject({ status: 'done', resultName: 'a-girl-seed42.gif', resultMime: 'image/gif' });
    store.getState().resetSettings();
    expect(store.getState().settings).toMatchObject({ videoFormat: 'gif', videoEncoder: 'ffmpeg' }); // a preference: reset keeps it
  });

  it('cancel stops at once, ignores late events, and the next generate reloads the pack', async () => {
    const h = harness();
    const { store } = h;
    await store.getState().setImageFile(file('a.png'));
    const running = store.getState().generate();
    await tick();
    const late = h.progress();
    store.getState().cancel();
    expect(store.getState().job.status).toBe('cancelled');
    expect(h.calls.aborts).toBe(1);
    await running;
    late({ type: 'frame', frame: 0, frames: 3, width: 2, height: 2, rgba: new Uint8ClampedArray(16) });
    expect(store.getState().job.status).toBe('cancelled');
    expect(store.getState().job.liveFrames).toHaveLength(0);
    expect(store.getState().error).toBeNull();
    expect(store.getState().image?.name).toBe('a.png');

    const again = store.getState().generate();
    await tick();
    expect(h.calls.loads).toBe(2);
    h.finishGenerate();
    await tick();
    h.finishEncode();
    await again;
    expect(store.getState().job.status).toBe('done');
  });

  it('cancel during encoding aborts the encoder', async () => {
    const h = harness();
    await h.store.getState().setImageFile(file('a.png'));
    const running = h.store.getState().generate();
    await tick();
    h.finishGenerate();
    await tick();
    expect(h.deps.encoder.busy).toBe(true);
    h.store.getState().cancel();
    await running;
    expect(h.deps.encoder.busy).toBe(false);
    expect(h.store.getState().job.status).toBe('cancelled');
  });

  it('a worker error ends the job in error, shows it, and keeps the inputs', async () => {
    const h = harness();
    await h.store.getState().setImageFile(file('a.png'));
    h.store.getState().setSetting('prompt', 'keep me');
    const running = h.store.getState().generate();
    await tick();
    const oom: AppError = { code: 'out-of-memory', message: 'Lower the size.' };
    h.failGenerate(oom);
    await running;
    const s = h.store.getState();
    expect(s.job.status).toBe('error');
    expect(s.job.error).toEqual(oom);
    expect(s.error).toEqual(oom);
    expect(s.settings.prompt).toBe('keep me');
    expect(s.image?.name).toBe('a.png');
    s.dismissError();
    expect(h.store.getState().error).toBeNull();
  });

  it('normalises errors that are not AppError data', async () => {
    const h = harness();
    await h.store.getState().setImageFile(file('a.png'));
    const running = h.store.getState().generate();
    await tick();
    h.failGenerate(new Error('{"code":"pack-corrupt","message":"Re-download the pack."}'));
    await running;
    expect(h.store.getState().error).toEqual({ code: 'pack-corrupt', message: 'Re-download the pack.' });
  });

  it('persists settings (not the image) and restores them sanitised', async () => {
    const storage = memoryStorage();
    const h = harness({ storage });
    await h.store.getState().init();
    await h.store.getState().setImageFile(file('a.png'));
    h.store.getState().setSetting('prompt', 'hello');
    h.store.getState().rollSeed();
    const saved = JSON.parse(storage.data.get(STORAGE_KEY)!);
    expect(Object.keys(saved.state).sort()).toEqual(['customPackUrls', 'packBaseUrl', 'packPath', 'settings', 'settingsFromPackId']);
    expect(saved.state.settings.seed).toBe(2 ** 31);

    saved.state.settings.steps = 'oops';
    storage.data.set(STORAGE_KEY, JSON.stringify(saved));
    const again = harness({ storage });
    expect(again.store.getState().settings).toMatchObject({ prompt: 'hello', seed: 2 ** 31, steps: BUILTIN_DEFAULTS.steps });
    await again.store.getState().init();
    // same pack: the user's settings stay
    expect(again.store.getState().settings.prompt).toBe('hello');
    expect(again.store.getState().image).toBeNull();
  });

  it('resetSettings goes back to pack defaults with the size from the image', async () => {
    const h = harness();
    await h.store.getState().init();
    await h.store.getState().setImageFile(file('a.png'));
    h.store.getState().setSetting('steps', 50);
    h.store.getState().setSetting('width', 512);
    h.store.getState().resetSettings();
    expect(h.store.getState().settings).toMatchObject({ steps: 2, width: 256, height: 192 });
  });
});

