/**
 * One gallery entry's `meta.json`: what was generated, with which settings and images, and how
 * far it got. Layout of an entry (OPFS `gallery/<id>/`, see opfsGallery.ts):
 *
 *   meta.json   this record
 *   video.mp4   the finished video (status 'done'; video.webm, .gif or .zip for other formats)
 *   thumb.png   a frame of it
 *   image.<ext>, referImage.<ext>, ipAdapterImage.<ext>   the images the user gave, as given
 *
 * Status: 'running' is written when a job starts, 'done' when its video is stored, 'failed' when
 * the generation failed. A 'running' entry whose owner page is gone (reload, crash, closed tab)
 * is 'interrupted' (see interruptedEntries); its settings and images stay for "Generate again".
 */

export type GalleryStatus = 'running' | 'done' | 'failed' | 'interrupted';
export const GALLERY_STATUSES: readonly GalleryStatus[] = ['running', 'done', 'failed', 'interrupted'];

/** The image slots an entry may keep (the store's ImageSlot names). */
export type GalleryImageSlot = 'image' | 'referImage' | 'ipAdapterImage' | 'faceImage';
export const GALLERY_IMAGE_SLOTS: readonly GalleryImageSlot[] = ['image', 'referImage', 'ipAdapterImage', 'faceImage'];

export interface GalleryImageRef {
  /** File name inside the entry's folder. */
  file: string;
  /** The user's file name (restored on "Generate again"). */
  name: string;
  type: string;
}

export interface GalleryVideo {
  file: string;
  mimeType: string;
  bytes: number;
  /** Frames in the video (condition frame included), frames per second, pixel size. */
  frames: number;
  fps: number;
  width: number;
  height: number;
  durationS: number;
}

export interface GalleryMeta {
  version: 1;
  id: string;
  status: GalleryStatus;
  /** The page (session) that runs or ran the job; a 'running' entry of a page that is gone is interrupted. */
  owner: string;
  /** Epoch milliseconds. */
  createdAt: number;
  finishedAt: number | null;
  /** Catalog path of the pack's manifest, and the pack id once loaded. */
  packPath: string;
  packId: string | null;
  /**
   * Every setting of the generation: the GenerateRequest without its image pixels, plus the
   * backend choice (the store's Settings). Prompt and seed are always there.
   */
  settings: Record<string, unknown> & { prompt: string; seed: number };
  images: Partial<Record<GalleryImageSlot, GalleryImageRef>>;
  video: GalleryVideo | null;
  thumb: string | null;
  /** Why the entry failed or was interrupted, in words. */
  message: string | null;
}

export const META_FILE = 'meta.json';
export const VIDEO_FILE = 'video.mp4';

const VIDEO_EXT: Record<string, string> = { 'video/mp4': 'mp4', 'video/webm': 'webm', 'image/gif': 'gif', 'application/zip': 'zip' };

/** The entry's video file name for an encoded file's MIME type: video.mp4 (the default), video.webm, ... */
export function videoFileName(mimeType: string): string {
  const ext = VIDEO_EXT[mimeType.split(';')[0].trim().toLowerCase()];
  return ext ? `video.${ext}` : VIDEO_FILE;
}
export const THUMB_FILE = 'thumb.png';

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStr = (x: unknown): x is string => typeof x === 'string';
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
/** Entry ids name folders: letters, digits, '-' and '_' only. */
export const isEntryId = (x: unknown): x is string => isStr(x) && /^[A-Za-z0-9_-]{1,80}$/.test(x);

function parseImage(x: unknown): GalleryImageRef | null {
  if (!isObj(x) || !isStr(x.file) || !isStr(x.name) || !isStr(x.type)) return null;
  return { file: x.file, name: x.name, type: x.type };
}

function parseVideo(x: unknown): GalleryVideo | null {
  if (!isObj(x) || !isStr(x.file) || !isStr(x.mimeType)) return null;
  const nums = ['bytes', 'frames', 'fps', 'width', 'height', 'durationS'] as const;
  if (!nums.every((k) => isNum(x[k]))) return null;
  return { file: x.file, mimeType: x.mimeType, bytes: x.bytes as number, frames: x.frames as number, fps: x.fps as number, width: x.width as number, height: x.height as number, durationS: x.durationS as number };
}

/**
 * A meta.json's contents, checked; null when it is not an entry this version can show (damaged,
 * foreign or half-written files are skipped, never thrown on).
 */
export function parseMeta(x: unknown): GalleryMeta | null {
  if (!isObj(x) || x.version !== 1 || !isEntryId(x.id) || !GALLERY_STATUSES.includes(x.status as GalleryStatus)) return null;
  if (!isStr(x.owner) || !isNum(x.createdAt) || !(x.finishedAt === null || isNum(x.finishedAt))) return null;
  if (!isStr(x.packPath) || !(x.packId === null || isStr(x.packId))) return null;
  const s = x.settings;
  if (!isObj(s) || !isStr(s.prompt) || !isNum(s.seed)) return null;
  if (!isObj(x.images)) return null;
  const images: Partial<Record<GalleryImageSlot, GalleryImageRef>> = {};
  for (const slot of GALLERY_IMAGE_SLOTS) {
    if (x.images[slot] === undefined) continue;
    const ref = parseImage(x.images[slot]);
    if (!ref) return null;
    images[slot] = ref;
  }
  const video = x.video === null ? null : parseVideo(x.video);
  if (x.video !== null && !video) return null;
  if (x.status === 'done' && !video) return null;
  if (!(x.thumb === null || isStr(x.thumb)) || !(x.message === null || isStr(x.message))) return null;
  return {
    version: 1,
    id: x.id,
    status: x.status as GalleryStatus,
    owner: x.owner,
    createdAt: x.createdAt,
    finishedAt: x.finishedAt as number | null,
    packPath: x.packPath,
    packId: x.packId as string | null,
    settings: { ...s, prompt: s.prompt, seed: s.seed },
    images,
    video,
    thumb: x.thumb as string | null,
    message: x.message as string | null,
  };
}

export const INTERRUPTED_MESSAGE = 'Interrupted: the page was reloaded or closed while this video was being made. Its settings are kept: use "Generate again".';

/**
 * The 'running' entries whose owner page is gone, as they should now read ('interrupted').
 * `alive(owner)` says whether a page still holds that owner id (this page: always).
 */
export async function interruptedEntries(
  metas: readonly GalleryMeta[],
  alive: (owner: string) => Promise<boolean>,
  now: number,
): Promise<GalleryMeta[]> {
  const out: GalleryMeta[] = [];
  for (const m of metas) {
    if (m.status !== 'running' || (await alive(m.owner))) continue;
    out.push({ ...m, status: 'interrupted', finishedAt: now, message: INTERRUPTED_MESSAGE });
  }
  return out;
}

/** Newest first; ties by id so the order is stable. */
export function sortEntries(metas: readonly GalleryMeta[]): GalleryMeta[] {
  return [...metas].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** The file name an entry keeps a slot's image under: the slot plus the user's extension. */
export function imageFileName(slot: GalleryImageSlot, name: string): string {
  const ext = /\.([A-Za-z0-9]{1,5})$/.exec(name)?.[1]?.toLowerCase() ?? 'img';
  return `${slot}.${ext}`;
}
