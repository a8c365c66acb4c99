/**
 * Store flows of the advanced MuseV options: pack choice (catalog, features, persistence),
 * presets, the ReferenceNet / IP-Adapter image slots, first-frame modes, and the request sent.
 * Fake clients answer at once (see appStore.test.ts for the step-by-step job flow).
 */
import { describe, expect, it } from 'vitest';
import type { StateStorage } from 'zustand/middleware';
import type { EncoderClient } from '../clients/encoderClient';
import type { GeneratorClient } from '../clients/generatorClient';
import { NEGATIVE_PROMPT_PRESETS } from '../core/negativePrompts';
import type { GenerateRequest, PackSummary } from '../rpc/generatorApi';
import { createAppStore, STORAGE_KEY, type AppDeps } from './appStore';
import { DEFAULT_PACK_PATH } from './packCatalog';

const MUSEV = 'packs/tiny-musev/manifest.json';
const REFNET = 'packs/tiny-musev-referencenet/manifest.json';
const defaults = (over: object = {}) => ({
  width: 128, height: 128, frames: 12, contextFrames: 12, contextOverlap: 4, steps: 10, guidanceScale: 3.5,
  fps: 12, motionSpeed: 8, negativePrompt: '', ...over,
});
const MANIFESTS: Record<string, object> = {
  [MUSEV]: { id: 'tiny-musev', name: 'Tiny MuseV', family: 'musev', randomWeights: true, graphs: { unet: {}, vae_decoder: {} }, defaults: defaults() },
  [REFNET]: {
    id: 'tiny-musev-referencenet', name: 'Tiny ReferenceNet', family: 'musev_referencenet', randomWeights: true,
    graphs: { unet: {}, unet_spatial: {}, referencenet: {}, image_proj: {}, clip_vision: {} },
    defaults: defaults({ frames: 8, negativePrompt: 'V2' }),
  },
};

function memoryStorage(): StateStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

function harness(opts: { missing?: string[]; storage?: StateStorage } = {}) {
  const calls = { loads: [] as string[], requests: [] as GenerateRequest[], crops: [] as string[] };
  const summaryOf = (path: string): PackSummary => {
    const m = MANIFESTS[path] as PackSummary;
    return { id: m.id, name: m.name, family: m.family, randomWeights: true, defaults: m.defaults };
  };
  const generator: GeneratorClient = {
    async ensurePack(url) {
      calls.loads.push(url);
      return { pack: summaryOf(url.replace('http://app/', '')), backend: { backend: 'wasm', shaderF16: false } };
    },
    async generate(request) {
      calls.requests.push(request);
      return {
        frames: [new Uint8ClampedArray(4)], frameCount: 1, width: request.width, height: request.height, backend: 'wasm',
        timings: { totalMs: 1, msPerStep: 1, denoiseMs: 1, decodeMs: 0 },
      };
    },
    checkBackendParity: async () => ({ maxAbsDiff: 0, maxAbs: 0, elements: 0, wasmMs: 0, webgpuMs: 0 }),
    abort: () => false,
    busy: false,
  };
  const encoder: EncoderClient = {
    encodeMp4: async () => ({ mp4: new Uint8Array(8), mimeType: 'video/mp4', ms: 1 }),
    encode: async () => ({ bytes: new Uint8Array(8), mimeType: 'video/mp4', extension: 'mp4', encoder: 'ffmpeg', codec: 'libx264', reason: 'test', ms: 1 }),
    abort: () => false,
    busy: false,
  };
  const deps: AppDeps = {
    generator,
    encoder,
    storage: opts.storage ?? null,
    manifestUrl: (path) => `http://app/${path}`,
    now: () => 0,
    random: () => 0.25,
    decodeImage: async (file) => ({ width: (file as File).size, height: 480, rgba: new Uint8ClampedArray(16) }),
    cropResize: (img, w, h) => {
      calls.crops.push(img.name);
      return new Uint8ClampedArray(w * h * 4);
    },
    fetchJson: async (url) => {
      const path = url.replace('http://app/', '');
      if (opts.missing?.includes(path) || !MANIFESTS[path]) throw new Error(`${url}: HTTP 404`);
      return MANIFESTS[path];
    },
    probeBackend: async () => ({ backend: 'wasm', reason: 'test' }),
    createObjectURL: () => 'blob:x',
    revokeObjectURL: () => {},
  };
  return { store: createAppStore(deps), calls };
}

const file = (name: string, width = 640) => ({ name, type: 'image/png', size: width }) as File;

describe('pack choice', () => {
  it('starts on the musev demo pack and tells its family and features', async () => {
    const { store } = harness();
    await store.getState().init();
    const s = store.getState();
    expect(s.packPath).toBe(DEFAULT_PACK_PATH);
    expect(s.packAvailability).toEqual({ [MUSEV]: 'installed', [REFNET]: 'installed' });
    expect(s.packFeatures).toEqual({ family: 'musev', referenceImage: false, ipAdapterImage: false, firstFrameGeneration: false, faceImage: false });
  });

  it('switching re-reads defaults and features; the next Generate loads the new pack', async () => {
    const { store, calls } = harness();
    await store.getState().init();
    await store.getState().setImageFile(file('a.png'));
    await store.getState().choosePack(REFNET);
    let s = store.getState();
    expect(s.pack?.id).toBe('tiny-musev-referencenet');
    expect(s.packFeatures).toMatchObject({ family: 'musev_referencenet', referenceImage: true, ipAdapterImage: true, firstFrameGeneration: true });
    expect(s.settings).toMatchObject({ frames: 8, negativePrompt: NEGATIVE_PROMPT_PRESETS.V2 });
    expect(calls.loads).toEqual([]); // lazily: nothing loaded yet
    await store.getState().generate();
    expect(calls.loads).toEqual([`http://app/${REFNET}`]);
    await store.getState().choosePack(MUSEV);
    s = store.getState();
    expect(s.packFeatures?.referenceImage).toBe(false);
    expect(s.settings.frames).toBe(12);
  });

  it('a missing pack is "not installed" and cannot be chosen', async () => {
    const { store } = harness({ missing: [REFNET] });
    await store.getState().init();
    expect(store.getState().packAvailability[REFNET]).toBe('missing');
    await store.getState().choosePack(REFNET);
    expect(store.getState().packPath).toBe(MUSEV);
    await store.getState().choosePack('https://elsewhere/manifest.json');
    expect(store.getState().packPath).toBe(MUSEV);
  });

  it('the choice is persisted; a stored choice whose pack is gone falls back to the default', async () => {
    const storage = memoryStorage();
    const first = harness({ storage });
    await first.store.getState().init();
    await first.store.getState().choosePack(REFNET);
    expect(JSON.parse(storage.data.get(STORAGE_KEY)!).state.packPath).toBe(REFNET);

    const again = harness({ storage });
    expect(again.store.getState().packPath).toBe(REFNET);
    await again.store.getState().init();
    expect(again.store.getState().pack?.id).toBe('tiny-musev-referencenet');

    const gone = harness({ storage, missing: [REFNET] });
    await gone.store.getState().init();
    expect(gone.store.getState()).toMatchObject({ packPath: MUSEV, packStatus: 'ready' });

    const saved = JSON.parse(storage.data.get(STORAGE_KEY)!);
    saved.state.packPath = 'https://evil.example/manifest.json';
    storage.data.set(STORAGE_KEY, JSON.stringify(saved));
    expect(harness({ storage }).store.getState().packPath).toBe(MUSEV);
  });
});

describe('presets and reset', () => {
  it('a preset sets its fields, not image, prompt, seed or backend; reset keeps those too', async () => {
    const { store } = harness();
    await store.getState().init();
    await store.getState().setImageFile(file('a.png'));
    const st = store.getState();
    st.setSetting('prompt', 'hello');
    st.setSetting('seed', 7);
    st.setSetting('backend', 'wasm');
    st.setSetting('nBatch', 3);
    st.applyPreset('musev-gradio');
    expect(store.getState().settings).toMatchObject({ prompt: 'hello', seed: 7, backend: 'wasm', fps: 6, nBatch: 1, negativePrompt: NEGATIVE_PROMPT_PRESETS.V2, width: 128, height: 64 });
    expect(store.getState().image?.name).toBe('a.png');
    store.getState().setSetting('guidanceMethod', 'three_stage');
    store.getState().resetSettings();
    expect(store.getState().settings).toMatchObject({ prompt: 'hello', seed: 7, backend: 'wasm', fps: 12, negativePrompt: '', guidanceMethod: 'linear' });
  });
});

describe('image slots and the request', () => {
  it('ReferenceNet and IP-Adapter images are validated like the condition image and sent only when set', async () => {
    const { store, calls } = harness();
    await store.getState().init();
    await store.getState().choosePack(REFNET);
    await store.getState().setImageFile(file('cond.png'));
    expect(await store.getState().setImageFile({ name: 'x.txt', type: 'text/plain', size: 5 } as File, 'referImage')).toBe(false);
    expect(store.getState().error?.code).toBe('bad-image');
    expect(store.getState().referImage).toBeNull();
    expect(await store.getState().setImageFile(file('ref.png', 300), 'referImage')).toBe(true);
    // the condition image's size rule is not touched by an extra slot
    expect(store.getState().settings).toMatchObject({ width: 128, height: 64 });

    await store.getState().generate();
    let r = calls.requests.at(-1)!;
    expect(r.referImage).toMatchObject({ width: 128, height: 64 });
    expect(r).not.toHaveProperty('ipAdapterImage');
    expect(calls.crops).toEqual(['cond.png', 'ref.png']);

    await store.getState().setImageFile(file('ip.png', 200), 'ipAdapterImage');
    store.getState().clearImage('referImage');
    await store.getState().generate();
    r = calls.requests.at(-1)!;
    expect(r).not.toHaveProperty('referImage');
    expect(r.ipAdapterImage?.rgba.length).toBe(128 * 64 * 4);
  });

  it("'Generate from the prompt' works without an image, size from the settings", async () => {
    const { store, calls } = harness();
    await store.getState().init();
    await store.getState().choosePack(REFNET);
    store.getState().setSetting('firstFrame', 'generate');
    store.getState().setSetting('width', 192);
    await store.getState().generate();
    expect(store.getState().error).toBeNull();
    expect(store.getState().job.status).toBe('done');
    const r = calls.requests.at(-1)!;
    expect(r).not.toHaveProperty('image');
    expect(r).toMatchObject({ firstFrame: 'generate', firstFrameSteps: 30, firstFrameGuidanceScale: 7.5, width: 192, height: 128 });
  });

  it('a pack without unet_spatial falls back to "Use my image"', async () => {
    const { store } = harness();
    await store.getState().init();
    await store.getState().choosePack(REFNET);
    store.getState().setSetting('firstFrame', 'redraw');
    await store.getState().choosePack(MUSEV);
    expect(store.getState().settings.firstFrame).toBe('image');
    store.getState().setSetting('firstFrame', 'generate');
    await store.getState().generate();
    expect(store.getState().error?.message).toMatch(/no unet_spatial graph/);
  });

  it('the request carries every new option', async () => {
    const { store, calls } = harness();
    await store.getState().init();
    await store.getState().setImageFile(file('a.png'));
    const st = store.getState();
    st.applyPreset('musev-cli');
    st.setSetting('nBatch', 2);
    st.setSetting('guidanceScaleEnd', 6);
    st.setSetting('guidanceMethod', 'fix_two_stage');
    st.setSetting('contextSchedule', 'uniform');
    st.setSetting('contextStride', 2);
    st.setSetting('noiseType', 'random');
    st.setSetting('imageBasedNoise', false);
    st.setSetting('fixConditionImages', true);
    await store.getState().generate();
    expect(calls.requests.at(-1)).toMatchObject({
      nBatch: 2, guidanceScaleEnd: 6, guidanceMethod: 'fix_two_stage', contextSchedule: 'uniform', contextStride: 2,
      noiseType: 'random', imageBasedNoise: false, fixConditionImages: true, ipAdapterScale: 1, firstFrame: 'image',
      negativePrompt: NEGATIVE_PROMPT_PRESETS.V2, frames: 12, steps: 10,
    });
    expect(calls.requests.at(-1)).not.toHaveProperty('backend');
  });
});
