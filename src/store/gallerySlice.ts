import type { TaskExport } from '../core/taskSettings';
import { settingsToTaskYaml } from '../core/taskSettings';
import {
  GALLERY_IMAGE_SLOTS,
  META_FILE,
  THUMB_FILE,
  videoFileName,
  imageFileName,
  interruptedEntries,
  parseMeta,
  sortEntries,
  type GalleryMeta,
} from '../gallery/galleryMeta';
import type { GalleryOwner, GalleryStorage } from '../gallery/galleryStorage';
import { isQuotaError } from '../gallery/galleryStorage';
import type { RgbaImage } from '../rpc/generatorApi';
import type { AppDeps, GetState, SetState, StoreInternals } from './appStore';
import { storageMessage } from './galleryMessages';
import type { LoadedImage } from './image';
import { isCatalogPath } from './packCatalog';
import { isBusy } from './progress';
import { sanitizeSettings, type Settings } from './settings';

/** What the gallery needs from the browser (AppDeps.gallery; absent = no gallery). */
export interface GalleryDeps {
  storage: GalleryStorage;
  owner: GalleryOwner;
  /** False when the storage lasts only for this visit (no OPFS). */
  persistent: boolean;
  /** Epoch milliseconds (AppDeps.now is a monotonic clock). */
  wallClock: () => number;
  newId: () => string;
  /** One frame as a small image file for the list. */
  encodeThumb: (frame: RgbaImage) => Promise<Blob>;
  /** The file behind a loaded image (to keep it with the entry). */
  imageBlob: (image: LoadedImage) => Promise<Blob>;
}

export interface GalleryEntry {
  meta: GalleryMeta;
  thumbUrl: string | null;
}

export interface GalleryState {
  status: 'idle' | 'loading' | 'ready';
  entries: GalleryEntry[];
  persistent: boolean;
  /** A storage problem in words (quota, unreadable entry); the video on screen is never affected. */
  notice: string | null;
  /** The entry whose video is open in the player, with its object URL. */
  open: { id: string; url: string } | null;
}

/** What the job slice reports about a finished video. */
export interface FinishedVideo {
  /** The encoded file (MP4, or the format the user chose); its type names the format. */
  file: Blob;
  frames: number;
  fps: number;
  width: number;
  height: number;
  thumb: RgbaImage | null;
}

export interface GallerySlice {
  gallery: GalleryState;
  /** Read every entry; 'running' entries of pages that are gone become 'interrupted'. */
  loadGallery(): Promise<void>;
  openGalleryVideo(id: string): Promise<void>;
  closeGalleryVideo(): void;
  deleteGalleryEntry(id: string): Promise<void>;
  /** Restore an entry's pack, images and settings (backend kept: a device preference). */
  generateAgain(id: string): Promise<boolean>;
  exportGalleryTask(id: string): (TaskExport & { fileName: string }) | null;
  dismissGalleryNotice(): void;
  /** Job hooks (job slice): a job starts (meta 'running' + images), ends with a video, fails, or is cancelled. */
  galleryJobStarted(input: { settings: Settings; packPath: string; images: Partial<Record<(typeof GALLERY_IMAGE_SLOTS)[number], LoadedImage | null>> }): string | null;
  galleryJobDone(id: string, packId: string | null, video: FinishedVideo): Promise<void>;
  galleryJobFailed(id: string, message: string): Promise<void>;
  galleryJobCancelled(id: string): Promise<void>;
}

export const EMPTY_GALLERY: GalleryState = { status: 'idle', entries: [], persistent: false, notice: null, open: null };

export function createGallerySlice(set: SetState, get: GetState, deps: AppDeps, internals: StoreInternals): GallerySlice {
  const g = deps.gallery;
  const pending = new Map<string, Promise<void>>(); // per-entry write chain: writes land in order

  const patch = (fn: (s: GalleryState) => Partial<GalleryState>) => set((s) => ({ gallery: { ...s.gallery, ...fn(s.gallery) } }));
  const notice = (e: unknown, what: string) => patch(() => ({ notice: storageMessage(e, what) }));
  const find = (id: string) => get().gallery.entries.find((e) => e.meta.id === id) ?? null;
  const upsert = (meta: GalleryMeta, thumbUrl?: string | null) =>
    patch((s) => {
      const old = s.entries.find((e) => e.meta.id === meta.id);
      return { entries: ordered([...s.entries, { meta, thumbUrl: thumbUrl !== undefined ? thumbUrl : (old?.thumbUrl ?? null) }]) };
    });
  const chain = (id: string, work: () => Promise<void>): Promise<void> => {
    const next = (pending.get(id) ?? Promise.resolve()).then(work);
    const settled = next.catch(() => undefined);
    pending.set(id, settled);
    void settled.then(() => pending.get(id) === settled && pending.delete(id));
    return next;
  };
  const writeMeta = (storage: GalleryStorage, meta: GalleryMeta) => storage.write(meta.id, META_FILE, JSON.stringify(meta, null, 2));
  const update = (id: string, fn: (m: GalleryMeta) => GalleryMeta, what: string): Promise<void> => {
    if (!g) return Promise.resolve();
    return chain(id, async () => {
      const entry = find(id);
      if (!entry) return;
      const meta = fn(entry.meta);
      upsert(meta);
      await writeMeta(g.storage, meta);
    }).catch((e) => notice(e, what));
  };

  return {
    gallery: { ...EMPTY_GALLERY, persistent: g?.persistent ?? false },

    async loadGallery() {
      if (!g || get().gallery.status === 'loading') return;
      patch(() => ({ status: 'loading' }));
      try {
        const metas: GalleryMeta[] = [];
        for (const id of await g.storage.list()) {
          const blob = await g.storage.read(id, META_FILE);
          const meta = blob ? parseMeta(safeJson(await blob.text())) : null;
          if (meta && meta.id === id) metas.push(meta);
        }
        const now = g.wallClock();
        const interrupted = await interruptedEntries(metas, (o) => g.owner.isAlive(o), now);
        for (const m of interrupted) await writeMeta(g.storage, m).catch(() => undefined);
        const byId = new Map([...metas, ...interrupted].map((m) => [m.id, m]));
        const entries: GalleryEntry[] = [];
        for (const meta of sortEntries([...byId.values()])) {
          const kept = find(meta.id); // entries this page added meanwhile keep their live state
          if (kept) {
            entries.push(kept);
            continue;
          }
          const thumb = meta.thumb ? await g.storage.read(meta.id, meta.thumb).catch(() => null) : null;
          entries.push({ meta, thumbUrl: thumb ? deps.createObjectURL(thumb) : null });
        }
        patch((s) => ({ status: 'ready', entries: ordered([...s.entries.filter((e) => !byId.has(e.meta.id)), ...entries]) }));
      } catch (e) {
        patch(() => ({ status: 'ready' }));
        notice(e, 'The gallery could not be read');
      }
    },

    async openGalleryVideo(id) {
      const entry = find(id);
      if (!g || !entry?.meta.video) return;
      try {
        const blob = await g.storage.read(id, entry.meta.video.file);
        if (!blob) throw new Error(`${entry.meta.video.file} is missing`);
        get().closeGalleryVideo();
        patch(() => ({ open: { id, url: deps.createObjectURL(blob) } }));
      } catch (e) {
        notice(e, 'This video could not be read from the gallery');
      }
    },

    closeGalleryVideo() {
      const open = get().gallery.open;
      if (!open) return;
      deps.revokeObjectURL(open.url);
      patch(() => ({ open: null }));
    },

    async deleteGalleryEntry(id) {
      const entry = find(id);
      if (!g || !entry || (entry.meta.status === 'running' && entry.meta.owner === g.owner.id)) return;
      if (get().gallery.open?.id === id) get().closeGalleryVideo();
      try {
        await chain(id, () => g.storage.remove(id));
        if (entry.thumbUrl) deps.revokeObjectURL(entry.thumbUrl);
        patch((s) => ({ entries: s.entries.filter((e) => e.meta.id !== id) }));
      } catch (e) {
        notice(e, 'This entry could not be deleted');
      }
    },

    async generateAgain(id) {
      const entry = find(id);
      const s0 = get();
      if (!g || !entry || isBusy(s0.job.status) || s0.queue.running) return false;
      const { meta } = entry;
      if (isCatalogPath(meta.packPath)) await get().choosePack(meta.packPath);
      for (const slot of GALLERY_IMAGE_SLOTS) {
        const ref = meta.images[slot];
        const blob = ref ? await g.storage.read(id, ref.file).catch(() => null) : null;
        if (ref && blob) await get().setImageFile(new File([blob], ref.name, { type: ref.type }), slot);
        else get().clearImage(slot);
      }
      // After the images: the condition image resets width/height to its own size.
      const settings = { ...sanitizeSettings(meta.settings, get().settings), backend: get().settings.backend };
      for (const key of Object.keys(settings)) internals.touched.add(key);
      set({ settings });
      return true;
    },

    exportGalleryTask(id) {
      const meta = find(id)?.meta;
      if (!meta) return null;
      const settings = sanitizeSettings(meta.settings, get().settings);
      const fileName = `musev-task-${id}.yaml`;
      return { ...settingsToTaskYaml(settings, { imageName: meta.images.image?.name ?? null, fileName }), fileName };
    },

    dismissGalleryNotice: () => patch(() => ({ notice: null })),

    galleryJobStarted({ settings, packPath, images }) {
      if (!g) return null;
      const id = g.newId();
      const refs: GalleryMeta['images'] = {};
      for (const slot of GALLERY_IMAGE_SLOTS) {
        const img = images[slot];
        if (img) refs[slot] = { file: imageFileName(slot, img.name), name: img.name, type: img.type };
      }
      const meta: GalleryMeta = {
        version: 1, id, status: 'running', owner: g.owner.id, createdAt: g.wallClock(), finishedAt: null,
        packPath, packId: get().pack?.id ?? null, settings: { ...settings }, images: refs, video: null, thumb: null, message: null,
      };
      upsert(meta, null);
      void chain(id, async () => {
        for (const slot of GALLERY_IMAGE_SLOTS) {
          const img = images[slot];
          if (img && refs[slot]) await g.storage.write(id, refs[slot].file, await g.imageBlob(img));
        }
        await writeMeta(g.storage, meta);
      }).catch((e) => notice(e, 'The settings of this generation could not be kept in the gallery'));
      return id;
    },

    async galleryJobDone(id, packId, video) {
      if (!g || !find(id)) return;
      const mb = (video.file.size / 2 ** 20).toFixed(1);
      const file = videoFileName(video.file.type);
      await chain(id, async () => {
        await g.storage.write(id, file, video.file);
        let thumb: string | null = null;
        if (video.thumb) {
          const blob = await g.encodeThumb(video.thumb).catch(() => null);
          if (blob) {
            await g.storage.write(id, THUMB_FILE, blob);
            thumb = THUMB_FILE;
            upsert(find(id)!.meta, deps.createObjectURL(blob));
          }
        }
        const meta: GalleryMeta = {
          ...find(id)!.meta, status: 'done', finishedAt: g.wallClock(), packId: packId ?? find(id)!.meta.packId, thumb, message: null,
          video: { file, mimeType: video.file.type || 'video/mp4', bytes: video.file.size, frames: video.frames, fps: video.fps, width: video.width, height: video.height, durationS: video.frames / video.fps },
        };
        upsert(meta);
        await writeMeta(g.storage, meta);
      }).catch(async (e) => {
        notice(e, `This video (${mb} MB) could not be kept in the gallery`);
        const message = isQuotaError(e) ? 'Not saved: the browser storage was full. The settings are kept.' : 'Not saved: the video could not be written.';
        await update(id, (m) => ({ ...m, status: 'failed', finishedAt: g.wallClock(), message }), 'The gallery could not be updated');
      });
    },

    galleryJobFailed(id, message) {
      return update(id, (m) => ({ ...m, status: 'failed', finishedAt: g?.wallClock() ?? 0, message }), 'The gallery could not be updated');
    },

    async galleryJobCancelled(id) {
      if (!g || !find(id)) return;
      patch((s) => ({ entries: s.entries.filter((e) => e.meta.id !== id) }));
      await chain(id, () => g.storage.remove(id)).catch((e) => notice(e, 'A cancelled entry could not be removed'));
    },
  };
}

/** One entry per id (the later one wins), newest first. */
function ordered(entries: GalleryEntry[]): GalleryEntry[] {
  const byId = new Map(entries.map((e) => [e.meta.id, e]));
  return sortEntries([...byId.values()].map((e) => e.meta)).map((m) => byId.get(m.id)!);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
