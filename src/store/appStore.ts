import { createStore, type StoreApi } from 'zustand/vanilla';
import { createJSONStorage, persist, type StateStorage } from 'zustand/middleware';
import type { EncoderClient } from '../clients/encoderClient';
import type { GeneratorClient } from '../clients/generatorClient';
import type { PacksClient } from '../clients/packsClient';
import type { AppError } from '../rpc/errors';
import type { BackendInfo, PackSummary } from '../rpc/generatorApi';
import type { BackendProbe } from './backend';
import { createGallerySlice, type GalleryDeps, type GallerySlice } from './gallerySlice';
import { createGpuCheckSlice, type GpuCheckSlice } from './gpuCheckSlice';
import type { DecodedImage, LoadedImage } from './image';
import { createImageSlice, type ImageSlice } from './imageSlice';
import { createJobSlice, type JobSlice } from './jobSlice';
import { createPackManagerSlice, type PackManagerSlice } from './packManagerSlice';
import { createPackSlice, type PackSlice } from './packSlice';
import { createQueueSlice, type QueueSlice } from './queueSlice';
import { DEFAULT_PACK_PATH, httpUrl, isCatalogPath } from './packCatalog';
import { sanitizeSettings } from './settings';
import { createSettingsSlice, type SettingsSlice } from './settingsSlice';

/** Pack and backend as the UI shows them. */
export interface PackState {
  pack: PackSummary | null;
  packStatus: 'unknown' | 'loading' | 'ready' | 'error';
  /** Why the manifest could not be read, when packStatus is 'error'. */
  packProblem: string | null;
  /** The backend the worker really uses (after the pack loaded once). */
  backend: BackendInfo | null;
  /** The main thread's guess before that. */
  backendProbe: BackendProbe | null;
}

/** The one store: settings + image + pack/backend + job + GPU-check + task-queue slices, and the error banner. */
export type AppState = SettingsSlice &
  ImageSlice &
  PackSlice &
  PackManagerSlice &
  JobSlice &
  GpuCheckSlice &
  QueueSlice &
  GallerySlice & {
    /** What the error banner shows; dismissing it keeps everything else. */
    error: AppError | null;
    dismissError(): void;
  };

export type SetState = (partial: Partial<AppState> | ((s: AppState) => Partial<AppState>)) => void;
export type GetState = () => AppState;

/** Everything the store touches outside itself, injectable for tests. */
export interface AppDeps {
  generator: GeneratorClient;
  encoder: EncoderClient;
  /** Where settings persist; null = not persisted. */
  storage: StateStorage | null;
  /** Absolute URL of a catalog pack's manifest (path relative to the app's base, see packCatalog.ts). */
  manifestUrl: (packPath: string) => string;
  now: () => number;
  random: () => number;
  decodeImage: (file: Blob) => Promise<DecodedImage>;
  cropResize: (image: LoadedImage, width: number, height: number) => Uint8ClampedArray;
  fetchJson: (url: string) => Promise<unknown>;
  probeBackend: () => Promise<BackendProbe>;
  createObjectURL: (blob: Blob) => string;
  revokeObjectURL: (url: string) => void;
  /** The packs worker (downloads, imports, OPFS); absent = no pack manager. */
  packs?: PacksClient;
  /** Where finished videos are kept (src/gallery); absent = no gallery. */
  gallery?: GalleryDeps;
}

export const STORAGE_KEY = 'musev-web:settings';

/** Session-only bookkeeping shared by the slices (not state: never rendered). */
export interface StoreInternals {
  /** Settings the user changed this session; pack defaults arriving late do not overwrite them. */
  touched: Set<string>;
  /** Result URLs the task queue keeps listed: a new generation does not revoke them. */
  keptUrls: Set<string>;
}

export function createAppStore(deps: AppDeps): StoreApi<AppState> {
  const internals: StoreInternals = { touched: new Set(), keptUrls: new Set() };
  const jobDeps: AppDeps = { ...deps, revokeObjectURL: (url) => void (internals.keptUrls.has(url) || deps.revokeObjectURL(url)) };
  const creator = (set: SetState, get: GetState): AppState => ({
    ...createSettingsSlice(set, get, deps, internals),
    ...createImageSlice(set, get, deps),
    ...createPackSlice(set, get, deps, internals),
    ...createPackManagerSlice(set, get, deps),
    ...createJobSlice(set, get, jobDeps),
    ...createGpuCheckSlice(set, get, deps),
    ...createQueueSlice(set, get, deps, internals),
    ...createGallerySlice(set, get, deps, internals),
    error: null,
    dismissError: () => set({ error: null }),
  });
  if (!deps.storage) return createStore<AppState>()(creator);
  const storage = deps.storage;
  return createStore<AppState>()(
    persist((set, get) => creator(set, get), {
      name: STORAGE_KEY,
      version: 1,
      storage: createJSONStorage(() => storage),
      partialize: (s) => ({ settings: s.settings, settingsFromPackId: s.settingsFromPackId, packPath: s.packPath, packBaseUrl: s.packBaseUrl, customPackUrls: s.customPackUrls }),
      merge: (persisted, current) => {
        const p = (typeof persisted === 'object' && persisted !== null ? persisted : {}) as Record<string, unknown>;
        return {
          ...current,
          settings: sanitizeSettings(p.settings, current.settings),
          settingsFromPackId: typeof p.settingsFromPackId === 'string' ? p.settingsFromPackId : null,
          packPath: isCatalogPath(p.packPath) ? p.packPath : DEFAULT_PACK_PATH,
          packBaseUrl: typeof p.packBaseUrl === 'string' && httpUrl(p.packBaseUrl) ? p.packBaseUrl : current.packBaseUrl,
          customPackUrls: Array.isArray(p.customPackUrls) ? p.customPackUrls.filter((u): u is string => typeof u === 'string' && httpUrl(u) !== null) : [],
        };
      },
    }),
  );
}
