/**
 * Where gallery entries live: a folder per entry with named files. The browser uses OPFS
 * (opfsGallery.ts); tests use the in-memory one below. Errors from the browser (quota, a file
 * gone) are thrown as they come; the gallery slice turns them into messages.
 */
export interface GalleryStorage {
  /** Ids of the stored entries (folder names), any order. */
  list(): Promise<string[]>;
  /** A file of an entry; null when it does not exist. */
  read(id: string, file: string): Promise<Blob | null>;
  /** Create or replace a file (creates the entry's folder). */
  write(id: string, file: string, data: Blob | string): Promise<void>;
  /** Remove an entry and all its files (no error when it is gone already). */
  remove(id: string): Promise<void>;
}

/**
 * Which page owns a running job. Each page has an id and holds it while open; a 'running' entry
 * whose owner no page holds was interrupted.
 */
export interface GalleryOwner {
  readonly id: string;
  isAlive(owner: string): Promise<boolean>;
}

/** In-memory storage (tests; also the fallback where OPFS is missing: kept for this visit only). */
export function memoryGalleryStorage(): GalleryStorage & { files: Map<string, Map<string, Blob>> } {
  const files = new Map<string, Map<string, Blob>>();
  return {
    files,
    async list() {
      return [...files.keys()];
    },
    async read(id, file) {
      return files.get(id)?.get(file) ?? null;
    },
    async write(id, file, data) {
      const blob = typeof data === 'string' ? new Blob([data], { type: 'application/json' }) : data;
      if (!files.has(id)) files.set(id, new Map());
      files.get(id)!.set(file, blob);
    },
    async remove(id) {
      files.delete(id);
    },
  };
}

/** True for the browser's "storage full" errors (QuotaExceededError, by name or legacy code 22). */
export function isQuotaError(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const { name, code } = e as { name?: unknown; code?: unknown };
  return name === 'QuotaExceededError' || code === 22;
}
