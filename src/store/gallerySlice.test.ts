import { describe, expect, it } from 'vitest';
import type { EncoderClient } from '../clients/encoderClient';
import type { GenerateOutput, GeneratorClient } from '../clients/generatorClient';
import type { GalleryMeta } from '../gallery/galleryMeta';
import { memoryGalleryStorage, type GalleryStorage } from '../gallery/galleryStorage';
import { createAppStore, type AppDeps } from './appStore';
import type { GalleryDeps } from './gallerySlice';

const DEFAULTS = { width: 64, height: 64, frames: 2, contextFrames: 2, contextOverlap: 1, steps: 2, guidanceScale: 3, fps: 8, motionSpeed: 4, negativePrompt: 'ugly' };
const MANIFEST = { id: 'tiny-musev', name: 'Tiny MuseV', family: 'musev', randomWeights: true, defaults: DEFAULTS };
const PACK = { ...MANIFEST };

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
};

/** One page of the app: its own store and owner id over a shared gallery storage. */
function page(storage: GalleryStorage, owner: string, alive: Set<string>) {
  alive.add(owner);
  let gen = deferred<GenerateOutput>();
  let urls = 0;
  const generator: GeneratorClient = {
    ensurePack: async () => ({ pack: PACK, backend: { backend: 'wasm', reason: 'test', shaderF16: false } }),
    generate: () => gen.promise,
    checkBackendParity: async () => ({ maxAbsDiff: 0, maxAbs: 0, elements: 0, wasmMs: 0, webgpuMs: 0 }),
    abort: () => (gen.reject({ code: 'cancelled', message: 'cancelled' }), true),
    busy: false,
  };
  // The encoder takes the frames' buffers as the real one does (transferred = detached here).
  const detach = (req: { frames: Uint8ClampedArray[] }) => void structuredClone(req.frames, { transfer: req.frames.map((f) => f.buffer as ArrayBuffer) });
  const encoder = {
    encode: async (req: { frames: Uint8ClampedArray[] }) => (detach(req), { bytes: new Uint8Array(100), mimeType: 'video/mp4', extension: 'mp4', encoder: 'ffmpeg', codec: 'libx264', reason: 'test', ms: 1 }),
    abort: () => false,
    busy: false,
  } as unknown as EncoderClient;
  let clock = 1_000;
  const gallery: GalleryDeps = {
    storage,
    persistent: true,
    owner: { id: owner, isAlive: async (o) => alive.has(o) },
    wallClock: () => (clock += 1000),
    newId: () => `e${clock}-${owner}`,
    encodeThumb: async (f) => {
      if (f.rgba.length !== f.width * f.height * 4) throw new Error('thumbnail frame has no pixels');
      return new Blob([new Uint8Array(f.width)], { type: 'image/png' });
    },
    imageBlob: async (img) => new Blob([img.name], { type: img.type }),
  };
  const deps: AppDeps = {
    generator, encoder, storage: null,
    manifestUrl: () => 'http://app/packs/tiny-musev/manifest.json',
    now: () => 0, random: () => 0.5,
    decodeImage: async () => ({ width: 64, height: 64, rgba: new Uint8ClampedArray(64 * 64 * 4) }),
    cropResize: (_i, w, h) => new Uint8ClampedArray(w * h * 4),
    fetchJson: async () => MANIFEST,
    probeBackend: async () => ({ backend: 'wasm', reason: 'test' }),
    createObjectURL: () => `blob:${owner}:${++urls}`,
    revokeObjectURL: () => undefined,
    gallery,
  };
  const store = createAppStore(deps);
  const finish = (frames = 3) =>
    gen.resolve({ frames: Array.from({ length: frames }, () => new Uint8ClampedArray(64 * 64 * 4)), frameCount: frames, width: 64, height: 64, backend: 'wasm', timings: { totalMs: 1, msPerStep: 1, denoiseMs: 1, decodeMs: 0 } });
  const next = () => void (gen = deferred());
  const fail = (e: unknown) => gen.reject(e);
  return { store, finish, fail, next, close: () => alive.delete(owner) };
}

async function stored(storage: GalleryStorage, id: string): Promise<GalleryMeta> {
  return JSON.parse(await (await storage.read(id, 'meta.json'))!.text());
}

async function startWithImage(p: ReturnType<typeof page>, prompt: string, seed: number) {
  await p.store.getState().init();
  await p.store.getState().setImageFile(new File(['png'], 'portrait.png', { type: 'image/png' }));
  p.store.getState().setSetting('prompt', prompt);
  p.store.getState().setSetting('seed', seed);
  const run = p.store.getState().generate();
  await settle();
  return { run };
}

describe('gallery slice', () => {
  it("a job writes 'running' with settings and image at start, then 'done' with the video, thumb and facts", async () => {
    const storage = memoryGalleryStorage();
    const p = page(storage, 'p1', new Set());
    const { run } = await startWithImage(p, 'a girl smiling', 1234);
    const [entry] = p.store.getState().gallery.entries;
    expect(entry.meta.status).toBe('running');
    const running = await stored(storage, entry.meta.id);
    expect(running).toMatchObject({ status: 'running', owner: 'p1', settings: { prompt: 'a girl smiling', seed: 1234, frames: 2 }, video: null });
    expect(running.images.image).toEqual({ file: 'image.png', name: 'portrait.png', type: 'image/png' });
    expect(await (await storage.read(entry.meta.id, 'image.png'))!.text()).toBe('portrait.png');

    p.finish(3);
    await run;
    await settle();
    const done = await stored(storage, entry.meta.id);
    expect(done).toMatchObject({ status: 'done', packId: 'tiny-musev', thumb: 'thumb.png', message: null });
    expect(done.video).toEqual({ file: 'video.mp4', mimeType: 'video/mp4', bytes: 100, frames: 3, fps: 8, width: 64, height: 64, durationS: 3 / 8 });
    expect((await storage.read(entry.meta.id, 'video.mp4'))!.size).toBe(100);
    expect(p.store.getState().gallery.entries[0].thumbUrl).toMatch(/^blob:/);
  });

  it("after a reload: done entries stay, the dead page's running entry is 'interrupted', another live page's stays running", async () => {
    const storage = memoryGalleryStorage();
    const alive = new Set<string>();
    const a = page(storage, 'a', alive);
    const { run: runA } = await startWithImage(a, 'finished one', 1);
    a.finish();
    await runA;
    await settle();
    a.next();
    void a.store.getState().generate(); // a second job, still running when page a goes
    await settle();
    const b = page(storage, 'b', alive);
    await startWithImage(b, 'other tab', 2); // page b keeps running
    a.close();

    const c = page(storage, 'c', alive);
    await c.store.getState().loadGallery();
    const byPrompt = Object.fromEntries(c.store.getState().gallery.entries.map((e) => [`${e.meta.settings.prompt}#${e.meta.status}`, e.meta]));
    expect(Object.keys(byPrompt).sort()).toEqual(['finished one#done', 'finished one#interrupted', 'other tab#running']);
    const interrupted = byPrompt['finished one#interrupted'];
    expect(interrupted.message).toMatch(/Interrupted/);
    expect((await stored(storage, interrupted.id)).status).toBe('interrupted');
    expect(interrupted.images.image?.name).toBe('portrait.png');
  });

  it('generate again restores the pack, image, prompt and seed (the backend choice stays); delete removes the files', async () => {
    const storage = memoryGalleryStorage();
    const a = page(storage, 'a', new Set());
    const { run } = await startWithImage(a, 'restore me', 777);
    a.finish();
    await run;
    await settle();
    const b = page(storage, 'b', new Set());
    await b.store.getState().init();
    b.store.getState().setSetting('backend', 'wasm');
    await b.store.getState().loadGallery();
    const id = b.store.getState().gallery.entries[0].meta.id;
    expect(await b.store.getState().generateAgain(id)).toBe(true);
    const s = b.store.getState();
    expect(s.settings).toMatchObject({ prompt: 'restore me', seed: 777, frames: 2, backend: 'wasm' });
    expect(s.image?.name).toBe('portrait.png');

    const task = s.exportGalleryTask(id)!;
    expect(task.yaml).toContain('restore me');
    expect(task.yaml).toContain('--seed 777');
    expect(task.yaml).toContain('condition_images: ./portrait.png');

    await b.store.getState().openGalleryVideo(id);
    expect(b.store.getState().gallery.open?.id).toBe(id);
    await b.store.getState().deleteGalleryEntry(id);
    expect(b.store.getState().gallery.entries).toEqual([]);
    expect(b.store.getState().gallery.open).toBeNull();
    expect(await storage.list()).toEqual([]);
  });

  it('cancel removes the entry; a failure keeps it as failed with its message', async () => {
    const storage = memoryGalleryStorage();
    const p = page(storage, 'p', new Set());
    await startWithImage(p, 'cancel me', 1);
    p.store.getState().cancel();
    await settle();
    expect(p.store.getState().gallery.entries).toEqual([]);
    expect(await storage.list()).toEqual([]);

    p.next();
    const run = p.store.getState().generate();
    await settle();
    const id = p.store.getState().gallery.entries[0].meta.id;
    p.fail({ code: 'inference-failed', message: 'The UNet failed.' });
    await run;
    await settle();
    expect(await stored(storage, id)).toMatchObject({ status: 'failed', message: 'The UNet failed.', settings: { prompt: 'cancel me' } });
    expect(p.store.getState().gallery.entries[0].meta.status).toBe('failed');
  });

  it('storage full: a clear notice, the result stays downloadable, the entry is failed with its settings', async () => {
    const inner = memoryGalleryStorage();
    const storage: GalleryStorage = {
      ...inner,
      write: async (id, file, data) => {
        if (file === 'video.mp4') throw Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' });
        return inner.write(id, file, data);
      },
    };
    const p = page(storage, 'p', new Set());
    const { run } = await startWithImage(p, 'too big', 5);
    p.finish();
    await run;
    await settle();
    const s = p.store.getState();
    expect(s.job.status).toBe('done');
    expect(s.job.resultUrl).toMatch(/^blob:/);
    expect(s.gallery.notice).toMatch(/storage for this site is full/);
    expect(s.gallery.notice).toMatch(/download it now/);
    const meta = await stored(inner, s.gallery.entries[0].meta.id);
    expect(meta).toMatchObject({ status: 'failed', settings: { prompt: 'too big', seed: 5 } });
    expect(meta.message).toMatch(/storage was full/);
  });
});
