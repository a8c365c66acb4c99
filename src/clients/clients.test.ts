import { afterEach, describe, expect, it } from 'vitest';
import type { GenerateRequest, GeneratorApi } from '../rpc/generatorApi';
import type { ProgressCallback, ProgressEvent } from '../rpc/progress';
import type { EncoderApi } from '../rpc/encoderApi';
import { createEncoderClient } from './encoderClient';
import { MAX_RESUMES, createGeneratorClient } from './generatorClient';
import { normalizeWorkerError } from './normalizeError';
import { fakeWorker } from './testWorker';

const PACK = {
  pack: {
    id: 'tiny',
    name: 'Tiny',
    family: 'musev',
    randomWeights: true,
    defaults: {
      width: 256, height: 256, frames: 12, contextFrames: 12, contextOverlap: 4,
      steps: 4, guidanceScale: 7.5, fps: 12, motionSpeed: 8, negativePrompt: '',
    },
  },
  backend: { backend: 'wasm' as const, reason: 'no adapter', shaderF16: false },
};

function request(): GenerateRequest {
  return {
    image: { width: 2, height: 2, rgba: new Uint8ClampedArray(16) },
    prompt: 'p', negativePrompt: '', width: 64, height: 64, frames: 2, contextFrames: 2,
    contextOverlap: 0, steps: 1, guidanceScale: 1, seed: 1, fps: 8, motionSpeed: 1,
    wIndNoise: 0.5, imgWeight: 0.001,
  };
}

const workers: ReturnType<typeof fakeWorker>[] = [];
afterEach(() => {
  for (const w of workers.splice(0)) w.terminate();
});

function generatorHarness(impl: Partial<GeneratorApi>) {
  let spawned = 0;
  let loads = 0;
  const api: GeneratorApi = {
    async loadPack(_url, _opts, onProgress) {
      loads++;
      await onProgress({ type: 'stage', stage: 'load-pack' });
      return PACK;
    },
    generate: async () => ({ frameCount: 0, width: 64, height: 64, frames: [], backend: 'wasm',
      timings: { totalMs: 1, msPerStep: 1, denoiseMs: 1, decodeMs: 1 } }),
    checkBackendParity: async () => ({ maxAbsDiff: 0, maxAbs: 1, elements: 1, wasmMs: 1, webgpuMs: 1 }),
    dispose: async () => {},
    ...impl,
  };
  const client = createGeneratorClient(() => {
    spawned++;
    const w = fakeWorker(api);
    workers.push(w);
    return w;
  });
  return { client, spawned: () => spawned, loads: () => loads };
}

describe('generator client', () => {
  it('starts the worker lazily and caches the loaded pack', async () => {
    const h = generatorHarness({});
    expect(h.spawned()).toBe(0);
    const events: ProgressEvent[] = [];
    const r = await h.client.ensurePack('/m.json', {}, (e) => events.push(e));
    expect(r.pack.id).toBe('tiny');
    expect(events).toEqual([{ type: 'stage', stage: 'load-pack' }]);
    await h.client.ensurePack('/m.json', {}, () => {});
    expect(h.spawned()).toBe(1);
    expect(h.loads()).toBe(1);
  });

  it('abort terminates at once, rejects with cancelled, and the next run reloads the pack', async () => {
    let release: (() => void) | undefined;
    const h = generatorHarness({
      generate: (_req, onProgress: ProgressCallback) =>
        new Promise((resolve) => {
          void onProgress({ type: 'stage', stage: 'denoise' });
          release = () => resolve({} as never);
        }),
    });
    await h.client.ensurePack('/m.json', {}, () => {});
    const seen: ProgressEvent[] = [];
    const running = h.client.generate(request(), (e) => seen.push(e));
    await new Promise((r) => setTimeout(r, 20));
    expect(h.client.busy).toBe(true);
    expect(h.client.abort()).toBe(true);
    await expect(running).rejects.toMatchObject({ code: 'cancelled' });
    expect(workers[0].terminated).toBe(true);
    expect(h.client.busy).toBe(false);
    release?.();
    await h.client.ensurePack('/m.json', {}, () => {});
    expect(h.spawned()).toBe(2);
    expect(h.loads()).toBe(2);
  });

  it('keeps the code of errors thrown as plain AppError data or JSON messages', async () => {
    const h = generatorHarness({
      generate: async (req) => {
        if (req.seed === 1) throw { code: 'out-of-memory', message: 'Lower the size.' };
        throw new Error(JSON.stringify({ code: 'bad-input', message: 'Overlap too big.' }));
      },
    });
    await expect(h.client.generate(request(), () => {})).rejects.toEqual({
      code: 'out-of-memory',
      message: 'Lower the size.',
    });
    await expect(h.client.generate({ ...request(), seed: 2 }, () => {})).rejects.toMatchObject({
      code: 'bad-input',
      message: 'Overlap too big.',
    });
  });

  it('maps an unknown Error to the call fallback code, and a failed load is not cached', async () => {
    let fail = true;
    const h = generatorHarness({
      loadPack: async () => {
        if (fail) throw new Error('fetch failed');
        return PACK;
      },
    });
    await expect(h.client.ensurePack('/m.json', {}, () => {})).rejects.toMatchObject({
      code: 'model-load-failed',
      detail: 'fetch failed',
    });
    fail = false;
    await expect(h.client.ensurePack('/m.json', {}, () => {})).resolves.toMatchObject({ pack: { id: 'tiny' } });
  });

  it('a different backend option loads the pack again; the same one reuses it', async () => {
    const asked: (string | undefined)[] = [];
    const h = generatorHarness({
      loadPack: async (_url, opts) => {
        asked.push(opts.backend);
        return PACK;
      },
    });
    await h.client.ensurePack('/m.json', { backend: 'auto' }, () => {});
    await h.client.ensurePack('/m.json', {}, () => {}); // no backend = 'auto'
    await h.client.ensurePack('/m.json', { backend: 'wasm' }, () => {});
    await h.client.ensurePack('/m.json', { backend: 'wasm' }, () => {});
    await h.client.ensurePack('/m.json', { backend: 'auto' }, () => {});
    expect(asked).toEqual(['auto', 'wasm', 'auto']);
    expect(h.spawned()).toBe(1);
  });

  it('a lost GPU device: a new worker, the pack loaded again, the run resumed from its checkpoint with the images sent again', async () => {
    const resume = { shot: 0, step: 3, latents: Float32Array.of(1, 2), cond: Float32Array.of(3), kept: [], rng: { mt: new Uint32Array(624), mti: 5 }, resumes: 0 };
    const seen: GenerateRequest[] = [];
    const h = generatorHarness({
      generate: async (req) => {
        seen.push(req);
        if (seen.length === 1) throw { code: 'device-lost', message: 'The GPU device was lost.', resume };
        return { frameCount: 0, width: 64, height: 64, frames: [], backend: 'webgpu', timings: { totalMs: 1, msPerStep: 1, denoiseMs: 1, decodeMs: 1 } };
      },
    });
    await h.client.ensurePack('/m.json', { backend: 'webgpu' }, () => {});
    const events: ProgressEvent[] = [];
    const req = request();
    req.image!.rgba.fill(7);
    await expect(h.client.generate(req, (e) => events.push(e))).resolves.toMatchObject({ backend: 'webgpu' });
    expect(workers[0].terminated).toBe(true);
    expect([h.spawned(), h.loads()]).toEqual([2, 2]);
    expect(seen[0].resume).toBeUndefined();
    expect(seen[1].resume).toMatchObject({ shot: 0, step: 3, rng: { mti: 5 } });
    expect(Array.from(seen[1].resume!.latents)).toEqual([1, 2]);
    expect(Array.from(seen[1].image!.rgba)).toEqual(new Array(16).fill(7));
    expect(events).toContainEqual(expect.objectContaining({ type: 'log', level: 'warn', message: expect.stringMatching(/device was lost; restarting/) }));
  });

  it(`gives up after ${MAX_RESUMES} restarts, and other errors are not retried`, async () => {
    let calls = 0;
    const h = generatorHarness({
      generate: async (req) => {
        calls++;
        throw req.seed === 1 ? { code: 'device-lost', message: 'lost' } : { code: 'out-of-memory', message: 'Lower the size.' };
      },
    });
    await h.client.ensurePack('/m.json', {}, () => {});
    await expect(h.client.generate(request(), () => {})).rejects.toMatchObject({ code: 'device-lost' });
    expect(calls).toBe(1 + MAX_RESUMES);
    calls = 0;
    await expect(h.client.generate({ ...request(), seed: 2 }, () => {})).rejects.toMatchObject({ code: 'out-of-memory' });
    expect(calls).toBe(1);
  });

  it('abort does nothing when idle', () => {
    const h = generatorHarness({});
    expect(h.client.abort()).toBe(false);
  });
});

describe('encoder client', () => {
  it('encodes through the worker and reports progress', async () => {
    const api: EncoderApi = {
      async encodeMp4(req, onProgress) {
        await onProgress({ type: 'encode', frame: 0, frames: req.frames.length });
        return { mp4: new Uint8Array([1, 2, 3]), mimeType: 'video/mp4', ms: 5 };
      },
      async encode(req, onProgress) {
        await onProgress({ type: 'encode', frame: 1, frames: req.frames.length });
        return { bytes: new Uint8Array([req.format.length]), mimeType: 'image/gif', extension: 'gif', encoder: 'ffmpeg', codec: 'gif', reason: req.encoder, ms: 2 };
      },
    };
    const client = createEncoderClient(() => {
      const w = fakeWorker(api);
      workers.push(w);
      return w;
    });
    const events: ProgressEvent[] = [];
    const frame = new Uint8ClampedArray(64 * 64 * 4);
    const out = await client.encodeMp4({ frames: [frame, frame], width: 64, height: 64, fps: 8 }, (e) =>
      events.push(e),
    );
    expect([...out.mp4]).toEqual([1, 2, 3]);
    expect(events).toEqual([{ type: 'encode', frame: 0, frames: 2 }]);
    expect(frame.byteLength).toBe(0); // transferred once, even though listed twice

    const other = new Uint8ClampedArray(64 * 64 * 4);
    const gif = await client.encode({ frames: [other], width: 64, height: 64, fps: 8, format: 'gif', encoder: 'auto' }, (e) => events.push(e));
    expect(gif).toMatchObject({ bytes: new Uint8Array([3]), extension: 'gif', encoder: 'ffmpeg', reason: 'auto' });
    expect(events.at(-1)).toEqual({ type: 'encode', frame: 1, frames: 1 });
    expect(other.byteLength).toBe(0);
  });
});

describe('normalizeWorkerError', () => {
  it('reads codes from plain objects, JSON messages and carried appError', () => {
    expect(normalizeWorkerError({ code: 'pack-corrupt', message: 'm', detail: 'd' })).toEqual({
      code: 'pack-corrupt', message: 'm', detail: 'd',
    });
    expect(normalizeWorkerError(new Error('{"code":"bad-image","message":"nope"}'))).toEqual({
      code: 'bad-image', message: 'nope',
    });
    const e = Object.assign(new Error('x'), { appError: { code: 'encode-failed', message: 'y' } });
    expect(normalizeWorkerError(e)).toEqual({ code: 'encode-failed', message: 'y' });
  });

  it('falls back to toAppError for everything else', () => {
    expect(normalizeWorkerError(new Error('Failed to allocate 1GB')).code).toBe('out-of-memory');
    expect(normalizeWorkerError(new Error('{bad json')).code).toBe('internal');
    expect(normalizeWorkerError({ code: 'ENOENT', message: 'x' }, 'encode-failed')).toMatchObject({
      code: 'encode-failed',
    });
    expect(normalizeWorkerError('kaput', 'inference-failed')).toMatchObject({ code: 'inference-failed', message: 'kaput' });
  });
});
