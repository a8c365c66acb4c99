import { describe, expect, it } from 'vitest';
import { INTERRUPTED_MESSAGE, imageFileName, interruptedEntries, parseMeta, sortEntries, type GalleryMeta } from './galleryMeta';
import { isQuotaError, memoryGalleryStorage } from './galleryStorage';

const META: GalleryMeta = {
  version: 1,
  id: 'mabc-1x',
  status: 'done',
  owner: 'page-1',
  createdAt: 1_700_000_000_000,
  finishedAt: 1_700_000_060_000,
  packPath: 'packs/tiny-musev/manifest.json',
  packId: 'tiny-musev',
  settings: { prompt: 'a girl smiling', seed: 1234, frames: 10, fps: 6, guidanceScaleEnd: null, firstFrame: 'image' },
  images: { image: { file: 'image.png', name: 'portrait.png', type: 'image/png' } },
  video: { file: 'video.mp4', mimeType: 'video/mp4', bytes: 5000, frames: 11, fps: 6, width: 64, height: 64, durationS: 11 / 6 },
  thumb: 'thumb.png',
  message: null,
};

describe('gallery meta.json', () => {
  it('round-trips through JSON unchanged', () => {
    expect(parseMeta(JSON.parse(JSON.stringify(META)))).toEqual(META);
    const running: GalleryMeta = { ...META, status: 'running', finishedAt: null, video: null, thumb: null, packId: null, images: {} };
    expect(parseMeta(JSON.parse(JSON.stringify(running)))).toEqual(running);
  });

  it('refuses what it cannot show: other versions, unsafe ids, unknown statuses, done without a video, no prompt or seed', () => {
    expect(parseMeta({ ...META, version: 2 })).toBeNull();
    expect(parseMeta({ ...META, id: '../escape' })).toBeNull();
    expect(parseMeta({ ...META, status: 'paused' })).toBeNull();
    expect(parseMeta({ ...META, video: null })).toBeNull();
    expect(parseMeta({ ...META, video: { ...META.video, frames: 'eleven' } })).toBeNull();
    expect(parseMeta({ ...META, settings: { seed: 1 } })).toBeNull();
    expect(parseMeta({ ...META, settings: { prompt: 'x', seed: '1' } })).toBeNull();
    expect(parseMeta({ ...META, images: { image: { file: 'image.png' } } })).toBeNull();
    expect(parseMeta(null)).toBeNull();
    expect(parseMeta('{}')).toBeNull();
  });

  it("a 'running' entry becomes 'interrupted' only when its owner page is gone", async () => {
    const metas: GalleryMeta[] = [
      { ...META, id: 'a', status: 'running', owner: 'gone', video: null, finishedAt: null },
      { ...META, id: 'b', status: 'running', owner: 'alive', video: null, finishedAt: null },
      { ...META, id: 'c', status: 'done', owner: 'gone' },
      { ...META, id: 'd', status: 'failed', owner: 'gone', video: null },
    ];
    const out = await interruptedEntries(metas, async (o) => o === 'alive', 42);
    expect(out.map((m) => m.id)).toEqual(['a']);
    expect(out[0]).toMatchObject({ status: 'interrupted', finishedAt: 42, message: INTERRUPTED_MESSAGE, settings: META.settings });
    expect(parseMeta(JSON.parse(JSON.stringify(out[0])))).toEqual(out[0]);
  });

  it('lists newest first; image files keep the extension under the slot name', () => {
    const sorted = sortEntries([{ ...META, id: 'old', createdAt: 1 }, { ...META, id: 'new', createdAt: 3 }, { ...META, id: 'mid', createdAt: 2 }]);
    expect(sorted.map((m) => m.id)).toEqual(['new', 'mid', 'old']);
    expect(imageFileName('image', 'Face.JPG')).toBe('image.jpg');
    expect(imageFileName('referImage', 'noext')).toBe('referImage.img');
  });
});

describe('gallery storage', () => {
  it('memory storage: write, read, list, remove', async () => {
    const s = memoryGalleryStorage();
    await s.write('e1', 'meta.json', '{"a":1}');
    await s.write('e1', 'video.mp4', new Blob([new Uint8Array([1, 2, 3])]));
    expect(await s.list()).toEqual(['e1']);
    expect(await (await s.read('e1', 'meta.json'))!.text()).toBe('{"a":1}');
    expect((await s.read('e1', 'video.mp4'))!.size).toBe(3);
    expect(await s.read('e1', 'nope')).toBeNull();
    await s.remove('e1');
    await s.remove('e1');
    expect(await s.list()).toEqual([]);
  });

  it('recognises quota errors by name or legacy code', () => {
    expect(isQuotaError({ name: 'QuotaExceededError', message: 'full' })).toBe(true);
    expect(isQuotaError({ name: 'Error', code: 22 })).toBe(true);
    expect(isQuotaError(new Error('nope'))).toBe(false);
    expect(isQuotaError(null)).toBe(false);
  });
});
