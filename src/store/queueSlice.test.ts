import { describe, expect, it } from 'vitest';
import type { EncoderClient } from '../clients/encoderClient';
import type { GenerateOutput, GeneratorClient, LoadedPack } from '../clients/generatorClient';
import { NEGATIVE_PROMPT_PRESETS } from '../core/negativePrompts';
import type { AppError } from '../rpc/errors';
import type { GenerateRequest } from '../rpc/generatorApi';
import { createAppStore, type AppDeps } from './appStore';
import { applyTaskPatch } from './queueSlice';
import { BUILTIN_DEFAULTS } from './settings';

const DEFAULTS = {
  width: 256, height: 256, frames: 2, contextFrames: 2, contextOverlap: 1, steps: 2,
  guidanceScale: 3, fps: 8, motionSpeed: 4, negativePrompt: 'ugly',
};
const MANIFEST = { id: 'tiny-musev', name: 'Tiny MuseV', family: 'musev', randomWeights: true, defaults: DEFAULTS };
const LOADED: LoadedPack = { pack: MANIFEST, backend: { backend: 'wasm', reason: 'no adapter', shaderF16: false } };

/** What each generate call does: finish, fail with an error, or wait until aborted. */
type Outcome = 'ok' | AppError | 'hang';

/** Fake clients that answer by themselves, one outcome per generate call (default 'ok'). */
function harness(outcomes: Outcome[] = []) {
  const calls = { generates: [] as GenerateRequest[], revoked: [] as string[], aborts: 0 };
  let abortHang: (() => void) | null = null;
  const generator: GeneratorClient = {
    ensurePack: async () => LOADED,
    generate(request) {
      calls.generates.push(request);
      const outcome = outcomes.shift() ?? 'ok';
      if (outcome === 'hang') {
        return new Promise<GenerateOutput>((_, reject) => (abortHang = () => reject({ code: 'cancelled', message: 'cancelled' })));
      }
      if (outcome !== 'ok') return Promise.reject(outcome);
      return Promise.resolve({
        frames: [new Uint8ClampedArray(16)], frameCount: 1, width: request.width, height: request.height, backend: 'wasm',
        timings: { totalMs: 10, msPerStep: 5, denoiseMs: 8, decodeMs: 2 },
      });
    },
    checkBackendParity: async () => ({ maxAbsDiff: 0, maxAbs: 0, elements: 0, wasmMs: 0, webgpuMs: 0 }),
    abort() {
      if (!abortHang) return false;
      calls.aborts++;
      abortHang();
      abortHang = null;
      return true;
    },
    get busy() {
      return abortHang !== null;
    },
  };
  const encoder: EncoderClient = {
    encodeMp4: async () => ({ mp4: new Uint8Array([0, 0, 0, 24]), mimeType: 'video/mp4', ms: 3 }),
    encode: async () => ({ bytes: new Uint8Array([0, 0, 0, 24]), mimeType: 'video/mp4', extension: 'mp4', encoder: 'ffmpeg', codec: 'libx264', reason: 'test', ms: 3 }),
    abort: () => false,
    busy: false,
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
    // the file's size is in its name: face-640x480.png
    decodeImage: async (f) => {
      const m = (f as File).name.match(/(\d+)x(\d+)/);
      return { width: m ? Number(m[1]) : 64, height: m ? Number(m[2]) : 64, rgba: new Uint8ClampedArray(16) };
    },
    cropResize: (_img, w, h) => new Uint8ClampedArray(w * h * 4),
    fetchJson: async () => MANIFEST,
    probeBackend: async () => ({ backend: 'wasm', reason: 'this browser has no WebGPU' }),
    createObjectURL: () => `blob:${++urls}`,
    revokeObjectURL: (u) => void calls.revoked.push(u),
  };
  const store = createAppStore(deps);
  return { store, calls, hanging: () => abortHang !== null };
}

const image = (name: string) => ({ name, type: 'image/png', size: 1000 }) as File;
const yamlFile = (name: string, text: string) => ({ name, text: async () => text }) as unknown as File;
const until = async (ok: () => boolean) => {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 0));
  expect(ok()).toBe(true);
};

const TASKS = `- name: blink
  condition_images: ./data/images/face-640x480.png
  refer_image: \${.condition_images}
  prompt: (1girl:1),(eye blinks:{eye_blinks_factor})
  eye_blinks_factor: 1.2|1.8
  video_negative_prompt: V3
  motion_speed: 6
  img_length_ratio: 0.5
- name: sea
  condition_images: ./data/images/sea.png
  prompt: a calm sea
  width: 128
  height: 64
`;

async function loaded(outcomes?: Outcome[]) {
  const h = harness(outcomes);
  await h.store.getState().init();
  await h.store.getState().importTaskFile(yamlFile('tasks.yaml', TASKS));
  return h;
}

describe('task queue', () => {
  it('imports a task file: one row per task variant, waiting for the images it names', async () => {
    const { store } = await loaded();
    const q = store.getState().queue;
    expect(q.fileName).toBe('tasks.yaml');
    expect(q.errors).toEqual([]);
    expect(q.items.map((it) => [it.task.name, it.task.variant, it.imageName, it.status])).toEqual([
      ['blink', { eye_blinks_factor: '1.2' }, 'face-640x480.png', 'missing-image'],
      ['blink', { eye_blinks_factor: '1.8' }, 'face-640x480.png', 'missing-image'],
      ['sea', {}, 'sea.png', 'missing-image'],
    ]);
    expect(q.items[2].message).toBe('Task "sea" (line 10): condition_images names "sea.png". Add that image with "Add images".');
  });

  it('a broken file lists its errors with lines; other file types are refused', async () => {
    const { store } = harness();
    await store.getState().importTaskFile(yamlFile('bad.yml', '- name: a\n  prompt: p\n  height: tall\n'));
    expect(store.getState().queue.errors).toEqual([expect.objectContaining({ line: 3, key: 'height' })]);
    await store.getState().importTaskFile(yamlFile('notes.txt', 'x'));
    expect(store.getState().queue.errors[0].message).toMatch(/not a task file.*\.yaml or \.yml/);
  });

  it('images are matched by file name (any case); run gives every task its own video', async () => {
    const { store, calls } = await loaded();
    store.getState().addTaskImages([image('FACE-640x480.png'), image('sea.png')]);
    expect(store.getState().queue.items.map((it) => it.status)).toEqual(['queued', 'queued', 'queued']);
    await store.getState().runQueue();

    const items = store.getState().queue.items;
    expect(items.map((it) => it.status)).toEqual(['done', 'done', 'done']);
    expect(items.map((it) => it.result?.url)).toEqual(['blob:2', 'blob:4', 'blob:6']); // image URLs in between
    expect(items[0].result?.name).toBe('blink-eye-blinks-factor-1-2-seed42.mp4');
    expect(calls.generates.map((r) => [r.prompt, r.width, r.height, r.motionSpeed])).toEqual([
      ['(1girl:1), (eye blinks:1.2)', 320, 192, 6], // 640·0.5, 480·0.5 → floor to 64
      ['(1girl:1), (eye blinks:1.8)', 320, 192, 6],
      ['a calm sea', 128, 64, 4], // keys left out: the settings the queue started with
    ]);
    expect(calls.generates[0].negativePrompt).toBe(NEGATIVE_PROMPT_PRESETS.V3);
    expect(calls.generates[2].negativePrompt).toBe('ugly');
    // earlier results stay playable: the next generation does not revoke them
    expect(calls.revoked.filter((u) => ['blob:2', 'blob:4'].includes(u))).toEqual([]);
    expect(store.getState().job.resultUrl).toBe('blob:6');
    expect(store.getState().queue.running).toBe(false);
  });

  it('a failed task does not stop the queue; a task that cannot start says why', async () => {
    const oom: AppError = { code: 'out-of-memory', message: 'Out of GPU memory: try fewer frames.' };
    const { store } = await loaded([oom]);
    store.getState().loadTaskText(`${TASKS}- name: huge\n  condition_images: sea.png\n  prompt: p\n  width: 4096\n  height: 64\n- name: v2v\n  condition_images: sea.png\n  prompt: p\n  video_path: ./pose.mp4\n`, 'more.yaml');
    store.getState().addTaskImages([image('face-640x480.png'), image('sea.png')]);
    await store.getState().runQueue();
    const items = store.getState().queue.items;
    expect(items.map((it) => [it.task.name, it.status])).toEqual([['blink', 'failed'], ['blink', 'done'], ['sea', 'done'], ['huge', 'failed'], ['v2v', 'failed']]);
    expect(items[0].message).toBe('Out of GPU memory: try fewer frames.');
    expect(items[3].message).toMatch(/^Fix these settings first: width/);
    expect(items[4].message).toBe('video2video (video_path: pose.mp4) is not supported in the browser yet.');
  });

  it('Cancel stops the queue: the running task ends cancelled, the rest stay queued', async () => {
    const { store, calls, hanging } = await loaded(['hang']);
    store.getState().addTaskImages([image('face-640x480.png'), image('sea.png')]);
    const run = store.getState().runQueue();
    await until(hanging);
    expect(store.getState().queue.items[0].status).toBe('running');
    store.getState().cancelQueue();
    await run;
    expect(calls.aborts).toBe(1);
    expect(calls.generates).toHaveLength(1);
    expect(store.getState().queue.items.map((it) => it.status)).toEqual(['cancelled', 'queued', 'queued']);
    expect(store.getState().queue.running).toBe(false);
    // running again picks up what is not done
    await store.getState().runQueue();
    expect(store.getState().queue.items.map((it) => it.status)).toEqual(['done', 'done', 'done']);
  });

  it('tasks whose image is still missing are skipped and keep their message', async () => {
    const { store, calls } = await loaded();
    store.getState().addTaskImages([image('sea.png')]);
    await store.getState().runQueue();
    expect(store.getState().queue.items.map((it) => it.status)).toEqual(['missing-image', 'missing-image', 'done']);
    expect(store.getState().queue.items[0].message).toMatch(/^Task "blink" \(line 2\): condition_images names "face-640x480.png"/);
    expect(calls.generates).toHaveLength(1);
  });

  it('--target_datas selection, clearing, and export of the current settings as a task', async () => {
    const { store, calls } = await loaded();
    store.getState().setTaskTarget('sea');
    expect(store.getState().queue.items.map((it) => it.task.name)).toEqual(['sea']);
    store.getState().addTaskImages([image('sea.png')]);
    await store.getState().runQueue();
    const url = store.getState().queue.items[0].result!.url;
    store.getState().setTaskTarget('all');
    expect(calls.revoked).not.toContain(url); // still the job's result: the job slice revokes it later
    store.getState().clearQueue();
    expect(store.getState().queue.items).toEqual([]);

    const exported = store.getState().exportTask();
    expect(exported.fileName).toBe('musev-task.yaml');
    expect(exported.yaml).toContain('condition_images: ./sea.png');
    expect(exported.yaml).toContain('prompt: a calm sea');
    expect(exported.yaml).toMatch(/--time_size 2 /);
    store.getState().loadTaskText(exported.yaml, exported.fileName);
    expect(store.getState().queue.items[0].task).toMatchObject({ name: 'musev-web', prompt: 'a calm sea', width: 128, height: 64 });
  });

  it('applyTaskPatch applies what the settings have and notes the rest', () => {
    const { settings, notes } = applyTaskPatch(BUILTIN_DEFAULTS, { prompt: 'p', motionSpeed: 2, firstFrameNegativePrompt: 'blurry' });
    expect(settings).toMatchObject({ prompt: 'p', motionSpeed: 2 });
    if ('firstFrameNegativePrompt' in BUILTIN_DEFAULTS) expect(settings).toMatchObject({ firstFrameNegativePrompt: 'blurry' });
    else expect(notes).toEqual([expect.stringMatching(/first-frame negative prompt\) is not applied/)]);
  });
});
