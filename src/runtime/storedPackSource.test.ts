import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { graphFiles, type PackManifest } from '../packs/manifest';
import { readRecord } from '../packs/download/packRecord';
import { memoryStorage } from '../packs/storage';
import { readManifest } from './loadPack';
import { readVerified } from './packSource';
import { storedPackId, storedPackSource } from './storedPackSource';

const manifestText = readFileSync(new URL('../../public/packs/tiny-musev/manifest.json', import.meta.url), 'utf8');
const merges = new Uint8Array(readFileSync(new URL('../../public/packs/tiny-musev/tokenizer/merges.txt', import.meta.url)));

async function installed() {
  const storage = memoryStorage();
  const dir = (await storage.dir('tiny-musev', true))!;
  await dir.writeText('manifest.json', manifestText);
  await dir.writeText('.musev-pack-state.json', JSON.stringify({ version: 1, origin: { kind: 'import' }, verified: {} }));
  storage.files.get('tiny-musev')!.set('tokenizer/merges.txt', merges.slice());
  return { storage, dir, source: storedPackSource(storage, 'tiny-musev') };
}

describe('storedPackSource', () => {
  it('parses opfs: refs', () => {
    expect(storedPackId('opfs:tiny-musev')).toBe('tiny-musev');
    expect(storedPackId('http://x/manifest.json')).toBeNull();
  });

  it('reads the manifest and verified files from storage', async () => {
    const { source } = await installed();
    const m: PackManifest = await readManifest(source);
    expect(m.id).toBe('tiny-musev');
    expect(await readVerified(source, m.tokenizer.merges)).toEqual(merges);
  });

  it('a missing file is pack-missing naming it, and the pack is marked corrupt', async () => {
    const { source, dir } = await installed();
    const m = await readManifest(source);
    await expect(readVerified(source, graphFiles(m.graphs.unet)[0])).rejects.toMatchObject({ appError: { code: 'pack-missing', message: expect.stringContaining('"unet.onnx"') } });
    expect((await readRecord(dir))?.corrupt).toMatchObject({ file: 'unet.onnx' });
  });

  it('a changed byte is pack-corrupt naming the file, recorded on the pack', async () => {
    const { source, dir, storage } = await installed();
    storage.files.get('tiny-musev')!.get('tokenizer/merges.txt')![5] ^= 1;
    const m = await readManifest(source);
    await expect(readVerified(source, m.tokenizer.merges)).rejects.toMatchObject({ appError: { code: 'pack-corrupt', message: expect.stringContaining('tokenizer/merges.txt') } });
    expect((await readRecord(dir))?.corrupt).toMatchObject({ file: 'tokenizer/merges.txt', problem: expect.stringContaining('sha256') });
  });

  it('a pack that is gone entirely says so', async () => {
    const source = storedPackSource(memoryStorage(), 'nope');
    await expect(source.readBytes('manifest.json')).rejects.toMatchObject({ appError: { code: 'pack-missing' } });
  });
});
