import { afterEach, describe, expect, it } from 'vitest';
import type { PackProgressEvent, PacksApi } from '../rpc/packsApi';
import { createPacksClient } from './packsClient';
import { fakeWorker } from './testWorker';

const STORED = {
  id: 'p', name: 'P', family: 'musev', dtype: 'float16' as const, totalBytes: 10, gpuFeatures: ['shader-f16'], gpuMemoryBytes: 99,
  origin: { kind: 'url' as const, manifestUrl: 'http://h/p/manifest.json' }, status: 'ready' as const, storedBytes: 10, fileCount: 1, verifiedFiles: 1,
};

const workers: ReturnType<typeof fakeWorker>[] = [];
afterEach(() => {
  for (const w of workers.splice(0)) w.terminate();
});

function harness(impl: Partial<PacksApi>) {
  const calls: string[] = [];
  const api: PacksApi = {
    list: async () => [STORED],
    inspect: async () => STORED,
    readManifest: async () => ({ id: 'p' }),
    download: async (_url, onProgress) => {
      calls.push('download');
      await onProgress({ type: 'verifying', file: 'a.onnx' });
      return STORED;
    },
    importFiles: async () => STORED,
    remove: async () => {},
    estimate: async () => ({ usage: 1, quota: 2, persisted: true }),
    ...impl,
  };
  const client = createPacksClient(
    () => {
      const w = fakeWorker(api);
      workers.push(w);
      return w;
    },
    async () => void calls.push('persist'),
  );
  return { client, calls };
}

describe('packs client', () => {
  it('asks for persistent storage before a download, proxies progress events', async () => {
    const h = harness({});
    const events: PackProgressEvent[] = [];
    expect(await h.client.download('http://h/p/manifest.json', (e) => events.push(e))).toEqual(STORED);
    expect(h.calls).toEqual(['persist', 'download']);
    expect(events).toEqual([{ type: 'verifying', file: 'a.onnx' }]);
  });

  it('errors arrive as AppError data with their code (storage-full)', async () => {
    const h = harness({
      download: async () => {
        throw { code: 'storage-full', message: 'Not enough storage for this pack: 2 GB more are needed.' };
      },
    });
    await expect(h.client.download('u', () => {})).rejects.toMatchObject({ code: 'storage-full', message: expect.stringContaining('2 GB') });
  });

  it('abort stops a running download with cancelled; the next call starts a fresh worker', async () => {
    const h = harness({ download: () => new Promise(() => {}) });
    const p = h.client.download('u', () => {});
    await new Promise((r) => setTimeout(r, 0));
    expect(h.client.busy).toBe(true);
    expect(h.client.abort()).toBe(true);
    await expect(p).rejects.toMatchObject({ code: 'cancelled' });
    expect(await h.client.list()).toEqual([STORED]);
    expect(workers).toHaveLength(2);
  });
});
