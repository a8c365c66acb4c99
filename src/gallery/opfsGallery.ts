/**
 * The gallery in the browser: OPFS folder `gallery/<id>/` per entry (see galleryMeta.ts), and
 * page ownership through the Web Locks API (a page holds the lock `musev-gallery-page:<id>` while
 * it is open; the browser releases it when the page goes, crash included).
 */
import { isEntryId } from './galleryMeta';
import { memoryGalleryStorage, type GalleryOwner, type GalleryStorage } from './galleryStorage';

const ROOT = 'gallery';

async function galleryDir(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(ROOT, { create: true });
}

const isNotFound = (e: unknown) => typeof e === 'object' && e !== null && (e as { name?: string }).name === 'NotFoundError';

export function opfsGalleryStorage(): GalleryStorage {
  return {
    async list() {
      const dir = await galleryDir();
      const ids: string[] = [];
      for await (const [name, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
        if (handle.kind === 'directory' && isEntryId(name)) ids.push(name);
      }
      return ids;
    },
    async read(id, file) {
      try {
        const entry = await (await galleryDir()).getDirectoryHandle(id);
        return await (await entry.getFileHandle(file)).getFile();
      } catch (e) {
        if (isNotFound(e)) return null;
        throw e;
      }
    },
    async write(id, file, data) {
      const entry = await (await galleryDir()).getDirectoryHandle(id, { create: true });
      const handle = await entry.getFileHandle(file, { create: true });
      const writable = await handle.createWritable();
      try {
        await writable.write(data);
        await writable.close();
      } catch (e) {
        await writable.abort().catch(() => undefined); // the old contents stay; no half file
        throw e;
      }
    },
    async remove(id) {
      try {
        await (await galleryDir()).removeEntry(id, { recursive: true });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    },
  };
}

/** OPFS when the browser has it (with createWritable), else memory for this visit. */
export function browserGalleryStorage(): { storage: GalleryStorage; persistent: boolean } {
  const ok = typeof navigator !== 'undefined' && !!navigator.storage?.getDirectory && typeof FileSystemFileHandle !== 'undefined' && 'createWritable' in FileSystemFileHandle.prototype;
  return ok ? { storage: opfsGalleryStorage(), persistent: true } : { storage: memoryGalleryStorage(), persistent: false };
}

const LOCK_PREFIX = 'musev-gallery-page:';

/** This page's owner id, held as a Web Lock until the page goes. Without Web Locks, no other page counts as alive. */
export function browserGalleryOwner(): GalleryOwner {
  const id = crypto.randomUUID();
  const locks = navigator.locks;
  if (locks) void locks.request(LOCK_PREFIX + id, () => new Promise<void>(() => undefined));
  return {
    id,
    async isAlive(owner) {
      if (owner === id) return true;
      if (!locks) return false;
      const { held = [] } = await locks.query();
      return held.some((l) => l.name === LOCK_PREFIX + owner);
    },
  };
}
