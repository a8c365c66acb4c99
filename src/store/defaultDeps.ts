import type { StateStorage } from 'zustand/middleware';
import { getEncoderClient } from '../clients/encoderClient';
import { getGeneratorClient } from '../clients/generatorClient';
import { getPacksClient } from '../clients/packsClient';
import { browserGalleryOwner, browserGalleryStorage } from '../gallery/opfsGallery';
import { encodeThumbPng, newEntryId } from '../gallery/thumb';
import type { AppDeps } from './appStore';
import type { GalleryDeps } from './gallerySlice';
import { probeBackend } from './backend';
import { decodeImageFile } from './image';
import { cropResizeRgba } from './prepareImage';

/** localStorage when the browser lets us use it (private modes may throw). */
function browserStorage(): StateStorage | null {
  try {
    const ls = globalThis.localStorage;
    const probe = '__musev_probe__';
    ls.setItem(probe, '1');
    ls.removeItem(probe);
    return ls;
  } catch {
    return null;
  }
}

async function fetchJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

/** OPFS gallery (memory when the browser has no OPFS), this page's Web Lock as owner. */
function galleryDeps(): GalleryDeps {
  const { storage, persistent } = browserGalleryStorage();
  return {
    storage,
    persistent,
    owner: browserGalleryOwner(),
    wallClock: () => Date.now(),
    newId: () => newEntryId(),
    encodeThumb: encodeThumbPng,
    imageBlob: async (image) => (await fetch(image.url)).blob(),
  };
}

/** The real browser dependencies: worker clients, localStorage, canvas, fetch. */
export function browserDeps(): AppDeps {
  return {
    generator: getGeneratorClient(),
    encoder: getEncoderClient(),
    storage: browserStorage(),
    // `opfs:<packId>` (an installed pack) passes through: the generator worker reads it from OPFS.
    manifestUrl: (packPath) => (packPath.startsWith('opfs:') ? packPath : new URL(`${import.meta.env.BASE_URL}${packPath}`, document.baseURI).href),
    now: () => performance.now(),
    random: () => crypto.getRandomValues(new Uint32Array(1))[0] / 2 ** 32,
    decodeImage: decodeImageFile,
    cropResize: (image, width, height) => cropResizeRgba(image, width, height),
    fetchJson: (url) => (url.startsWith('opfs:') ? getPacksClient().readManifest(url.slice(5)) : fetchJson(url)),
    probeBackend: () => probeBackend(),
    createObjectURL: (blob) => URL.createObjectURL(blob),
    revokeObjectURL: (url) => URL.revokeObjectURL(url),
    packs: getPacksClient(),
    gallery: galleryDeps(),
  };
}
