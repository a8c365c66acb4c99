import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AppError } from '../rpc/errors';
import type { PackProgressEvent } from '../rpc/packsApi';
import { fakeHost, type FakeHostOptions } from './download/fakeHost';
import { createPacksService } from './packsService';
import { memoryStorage, STATE_FILE } from './storage';

const DIR = new URL('../../public/packs/tiny-musev/', import.meta.url).pathname;
const BASE = 'http://models.test/packs/tiny-musev/';
const MANIFEST = `${BASE}manifest.json`;

function packFilesOnDisk(dir: string, prefix = ''): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const name of readdirSync(join(dir, prefix))) {
    const rel = prefix ? `${prefix}/${name}` : name;
    if (statSync(join(dir, rel)).isDirectory()) packFilesOnDisk(dir, rel).forEach((v, k) => out.set(k, v));
    else out.set(rel, new Uint8Array(readFileSync(join(dir, rel))));
  }
  return out;
}
const FILES = packFilesOnDisk(DIR);
const TOTAL = [...FILES].filter(([k]) => k !== 'manifest.json').reduce((s, [, v]) => s + v.byteLength, 0);

function setup(options: FakeHostOptions = {}, quota = Infinity) {
  const host = fakeHost(BASE, FILES, options);
  const storage = memoryStorage(quota);
  let t = 0;
  const api = createPacksService({
    storage,
    fetchFn: host.fetchFn,
    now: () => (t += 10),
    estimateStorage: async () => ({ usage: 0, quota, persisted: false }),
  });
  const events: PackProgressEvent[] = [];
  return { api, host, storage, events, onProgress: (e: PackProgressEvent) => void events.push(e) };
}

async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    return e as AppError;
  }
  throw new Error('expected a failure');
}

describe('packs service: download', () => {
  it('downloads every file, reports progress, verifies each sha256, stores manifest + files: ready', async () => {
    const { api, storage, events, onProgress } = setup();
    const pack = await api.download(MANIFEST, onProgress);
    expect(pack).toMatchObject({ id: 'tiny-musev', status: 'ready', totalBytes: TOTAL, storedBytes: TOTAL, fileCount: 11, verifiedFiles: 11 });
    const stored = storage.files.get('tiny-musev')!;
    for (const [name, bytes] of FILES) expect(createHash('sha256').update(stored.get(name)!).digest('hex'), name).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(events[0]).toMatchObject({ type: 'manifest', packId: 'tiny-musev', totalBytes: TOTAL });
    expect(events.filter((e) => e.type === 'verified')).toHaveLength(11);
    const last = events.filter((e) => e.type === 'bytes').at(-1)!;
    expect(last).toMatchObject({ totalDone: TOTAL, totalBytes: TOTAL });
    expect(last.type === 'bytes' && last.totalBytesPerSec).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({ type: 'ready' });
    expect(await api.list()).toEqual([pack]);
  });

  it('a connection cut mid-file keeps the bytes; the next download resumes with Range from them and verifies', async () => {
    const { api, host, storage, onProgress, events } = setup({ cutAfter: { file: 'unet.onnx.data', bytes: 5_000_000 } });
    const err = await failure(api.download(MANIFEST, onProgress));
    expect(err.code).toBe('download-failed');
    expect(err.message).toContain('unet.onnx.data');
    const written = storage.files.get('tiny-musev')!.get('unet.onnx.data')!.byteLength;
    expect(written).toBe(5_000_000);
    expect((await api.list())[0]).toMatchObject({ status: 'partial' });

    events.length = 0;
    const pack = await api.download(MANIFEST, onProgress);
    expect(pack.status).toBe('ready');
    expect(host.requests.filter((r) => r.path === 'unet.onnx.data').map((r) => r.range)).toEqual([null, 'bytes=5000000-']);
    // verified files are not fetched again
    expect(host.requests.filter((r) => r.path === 'text_encoder.onnx')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'skipped').length).toBeGreaterThan(0);
    expect(events.find((e) => e.type === 'bytes' && e.file === 'unet.onnx.data')).toMatchObject({ resumedFrom: 5_000_000 });
  });

  it('a server that ignores Range restarts the file from byte 0 (no duplicated bytes)', async () => {
    const { api, host, onProgress } = setup({ cutAfter: { file: 'vae_decoder.onnx.data', bytes: 1_000_000 } });
    await failure(api.download(MANIFEST, onProgress));
    host.options.ignoreRange = true;
    expect((await api.download(MANIFEST, onProgress)).status).toBe('ready');
  });

  it('one flipped byte: the pack is corrupt, the message names the file, the file is deleted; re-download repairs it', async () => {
    const { api, host, storage, onProgress } = setup({ flip: { file: 'vae_decoder.onnx.data', at: 1234 } });
    const err = await failure(api.download(MANIFEST, onProgress));
    expect(err.code).toBe('pack-corrupt');
    expect(err.message).toContain('vae_decoder.onnx.data');
    expect(storage.files.get('tiny-musev')!.has('vae_decoder.onnx.data')).toBe(false);
    expect((await api.list())[0]).toMatchObject({ status: 'corrupt', corruptFile: 'vae_decoder.onnx.data' });
    host.options.flip = undefined;
    expect((await api.download(MANIFEST, onProgress)).status).toBe('ready');
  });

  it('a verified file that disappears later makes the pack corrupt, naming it', async () => {
    const { api, storage, onProgress } = setup();
    await api.download(MANIFEST, onProgress);
    storage.files.get('tiny-musev')!.delete('tokenizer/merges.txt');
    expect((await api.list())[0]).toMatchObject({ status: 'corrupt', corruptFile: 'tokenizer/merges.txt' });
  });

  it('not enough space up front: storage-full saying how much is needed, nothing written', async () => {
    const { api, storage, onProgress } = setup({}, 1_000_000);
    const err = await failure(api.download(MANIFEST, onProgress));
    expect(err.code).toBe('storage-full');
    expect(err.message).toMatch(/29\.\d MB more are needed/);
    expect([...storage.files.get('tiny-musev')!.keys()].sort()).toEqual(['.musev-pack-state.json', 'manifest.json']);
  });

  it('QuotaExceededError mid-download stops cleanly: verified files kept, the partial file removed', async () => {
    const onProgress = () => {};
    const small = memoryStorage(10_000_000);
    const api2 = createPacksService({ storage: small, fetchFn: fakeHost(BASE, FILES).fetchFn, now: () => 0, estimateStorage: async () => ({ usage: 0, quota: 1e12, persisted: false }) });
    const err = await failure(api2.download(MANIFEST, onProgress));
    expect(err.code).toBe('storage-full');
    const kept = small.files.get('tiny-musev')!;
    expect(kept.has('text_encoder.onnx')).toBe(true);
    expect(kept.has('unet.onnx.data')).toBe(false);
    expect(JSON.parse(new TextDecoder().decode(kept.get(STATE_FILE)!)).verified['text_encoder.onnx']).toBeTruthy();
  });

  it('a missing manifest is a download-failed error naming the address', async () => {
    const { api, onProgress } = setup();
    const err = await failure(api.download('http://models.test/packs/nope/manifest.json', onProgress));
    expect(err).toMatchObject({ code: 'download-failed' });
    expect(err.message).toContain('http://models.test/packs/nope/manifest.json');
  });
});

describe('packs service: import and remove', () => {
  const asFiles = (prefix: string) => [...FILES].map(([path, bytes]) => ({ path: `${prefix}${path}`, file: new Blob([bytes as Uint8Array<ArrayBuffer>]) }));

  it('imports a picked folder (paths under "tiny-musev/") with no network: ready, same verification', async () => {
    const { api, host, onProgress } = setup({ down: true });
    const pack = await api.importFiles(asFiles('tiny-musev/'), onProgress);
    expect(pack).toMatchObject({ status: 'ready', origin: { kind: 'import' }, verifiedFiles: 11 });
    expect(host.requests).toHaveLength(0);
  });

  it('imports files picked one by one (no folders): tokenizer files are found by name', async () => {
    const { api, onProgress } = setup({ down: true });
    const flat = asFiles('').map((f) => ({ ...f, path: f.path.split('/').pop()! }));
    expect((await api.importFiles(flat, onProgress)).status).toBe('ready');
  });

  it('an import with a damaged file is corrupt naming it; without manifest.json it says so', async () => {
    const { api, onProgress } = setup();
    const files = asFiles('');
    const i = files.findIndex((f) => f.path === 'unet.onnx');
    const bad = new Uint8Array(await files[i].file.arrayBuffer());
    bad[10] ^= 1;
    files[i] = { path: 'unet.onnx', file: new Blob([bad]) };
    const err = await failure(api.importFiles(files, onProgress));
    expect(err).toMatchObject({ code: 'pack-corrupt' });
    expect(err.message).toContain('unet.onnx');
    const none = await failure(api.importFiles(files.filter((f) => f.path !== 'manifest.json'), onProgress));
    expect(none.message).toMatch(/no manifest\.json/);
  });

  it('remove deletes the pack', async () => {
    const { api, onProgress } = setup();
    await api.download(MANIFEST, onProgress);
    await api.remove('tiny-musev');
    expect(await api.list()).toEqual([]);
  });
});

describe('packs service: inspect', () => {
  it('reads a manifest without installing: size, GPU features, memory estimate', async () => {
    const { api, storage } = setup();
    const facts = await api.inspect(MANIFEST);
    expect(facts).toMatchObject({ id: 'tiny-musev', dtype: 'float32', totalBytes: TOTAL, gpuFeatures: [] });
    expect(facts.gpuMemoryBytes).toBeGreaterThan(TOTAL);
    expect(storage.files.size).toBe(0);
  });
});

describe('packs service: stored manifest', () => {
  it('returns an installed pack manifest, pack-missing for an unknown pack', async () => {
    const { api, onProgress } = setup();
    await api.download(MANIFEST, onProgress);
    expect(await api.readManifest('tiny-musev')).toMatchObject({ id: 'tiny-musev', family: 'musev' });
    await expect(api.readManifest('nope')).rejects.toMatchObject({ code: 'pack-missing' });
  });
});
