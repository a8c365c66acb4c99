import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StateStorage } from 'zustand/middleware';
import type { EncoderClient } from '../clients/encoderClient';
import type { GeneratorClient } from '../clients/generatorClient';
import type { PacksClient } from '../clients/packsClient';
import { fakeHost, type FakeHostOptions } from '../packs/download/fakeHost';
import { createPacksService } from '../packs/packsService';
import { memoryStorage as packMemory } from '../packs/storage';
import { createAppStore, STORAGE_KEY, type AppDeps } from './appStore';
import { DEFAULT_PACK_PATH } from './packCatalog';

const DIR = new URL('../../public/packs/tiny-musev/', import.meta.url).pathname;
const HOST = 'http://models.test/tiny-musev/';
const URL_ = `${HOST}manifest.json`;
function files(prefix = ''): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const name of readdirSync(join(DIR, prefix))) {
    const rel = prefix ? `${prefix}/${name}` : name;
    if (statSync(join(DIR, rel)).isDirectory()) files(rel).forEach((v, k) => out.set(k, v));
    else out.set(rel, new Uint8Array(readFileSync(join(DIR, rel))));
  }
  return out;
}
const FILES = files();
const MANIFEST = JSON.parse(new TextDecoder().decode(FILES.get('manifest.json')));

function settingsStorage(): StateStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

function harness(host: FakeHostOptions = {}, storage: StateStorage | null = null, packStore = packMemory()) {
  const h = fakeHost(HOST, FILES, host);
  const service = createPacksService({ storage: packStore, fetchFn: h.fetchFn, now: () => 0, estimateStorage: async () => ({ usage: 0, quota: 1e12, persisted: true }) });
  let aborted = 0;
  const packs: PacksClient = { ...service, abort: () => ((aborted += 1), true), busy: false };
  const deps: AppDeps = {
    generator: {} as GeneratorClient,
    encoder: {} as EncoderClient,
    storage,
    manifestUrl: (p) => (p.startsWith('opfs:') ? p : `http://app/${p}`),
    now: () => 0,
    random: () => 0.5,
    decodeImage: async () => ({ width: 1, height: 1, rgba: new Uint8ClampedArray(4) }),
    cropResize: () => new Uint8ClampedArray(4),
    fetchJson: async (url) => (url.startsWith('opfs:') ? service.readManifest(url.slice(5)) : MANIFEST),
    probeBackend: async () => ({ backend: 'wasm' }),
    createObjectURL: () => 'blob:x',
    revokeObjectURL: () => {},
    packs,
  };
  return { store: createAppStore(deps), host: h, packStore, aborted: () => aborted };
}

describe('pack manager slice', () => {
  it('downloads a pack: the task follows progress, then the installed list says ready; it can be chosen as opfs:<id>', async () => {
    const { store } = harness();
    const seen = new Set<string>();
    const unsub = store.subscribe((s) => s.packTask && seen.add(s.packTask.phase));
    await store.getState().downloadPack(URL_);
    unsub();
    expect(seen).toEqual(new Set(['starting', 'transfer', 'verifying']));
    const s = store.getState();
    expect(s.packTask).toBeNull();
    expect(s.installedPacks).toMatchObject([{ id: 'tiny-musev', status: 'ready', origin: { kind: 'url', manifestUrl: URL_ } }]);
    expect(s.storageEstimate).toMatchObject({ persisted: true });
    await s.choosePack('opfs:tiny-musev');
    expect(store.getState()).toMatchObject({ packPath: 'opfs:tiny-musev', packStatus: 'ready' });
  });

  it('a corrupt download leaves the error on its row, naming the file; a pack not ready cannot be chosen', async () => {
    const { store } = harness({ flip: { file: 'unet.onnx', at: 100 } });
    await store.getState().downloadPack(URL_);
    const s = store.getState();
    expect(s.packErrors[URL_]).toMatchObject({ code: 'pack-corrupt', message: expect.stringContaining('unet.onnx') });
    expect(s.installedPacks[0]).toMatchObject({ status: 'corrupt', corruptFile: 'unet.onnx' });
    await s.choosePack('opfs:tiny-musev');
    expect(store.getState().packPath).toBe(DEFAULT_PACK_PATH);
  });

  it('imports files; removing the chosen installed pack falls back to the default pack', async () => {
    const { store } = harness({ down: true });
    await store.getState().importPack([...FILES].map(([path, b]) => ({ path: `tiny-musev/${path}`, file: new Blob([b as Uint8Array<ArrayBuffer>]) })));
    expect(store.getState().installedPacks).toMatchObject([{ status: 'ready', origin: { kind: 'import' } }]);
    await store.getState().choosePack('opfs:tiny-musev');
    await store.getState().removePack('tiny-musev');
    expect(store.getState()).toMatchObject({ installedPacks: [], packPath: DEFAULT_PACK_PATH });
  });

  it('checks URLs; base URL, custom URLs and an installed choice persist across a reload', async () => {
    const storage = settingsStorage();
    const packStore = packMemory();
    const first = harness({}, storage, packStore);
    const s = first.store.getState();
    expect(s.addPackUrl('not a url')).toMatch(/full http/);
    expect(s.setPackBaseUrl('ftp://x')).toMatch(/full http/);
    expect(s.addPackUrl(URL_)).toBeNull();
    expect(s.setPackBaseUrl('https://example.org/repo/resolve/main/')).toBeNull();
    await s.downloadPack(URL_);
    await first.store.getState().choosePack('opfs:tiny-musev');
    expect(JSON.parse(storage.data.get(STORAGE_KEY)!).state).toMatchObject({ packPath: 'opfs:tiny-musev', customPackUrls: [URL_] });

    const again = harness({}, storage, packStore).store;
    await again.getState().init();
    expect(again.getState()).toMatchObject({ packPath: 'opfs:tiny-musev', packStatus: 'ready', packBaseUrl: 'https://example.org/repo/resolve/main/', customPackUrls: [URL_] });
  });

  it('a stored choice of a pack that is gone from OPFS falls back to the default pack', async () => {
    const storage = settingsStorage();
    storage.setItem(STORAGE_KEY, JSON.stringify({ state: { packPath: 'opfs:gone' }, version: 1 }));
    const { store } = harness({}, storage);
    await store.getState().init();
    expect(store.getState().packPath).toBe(DEFAULT_PACK_PATH);
  });
});
