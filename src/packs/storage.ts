/**
 * Where installed packs live: one directory per pack (`packs/<packId>/`) holding manifest.json,
 * the pack's files at their manifest paths, and a small state file (what is verified, where the
 * pack came from). The browser implementation is OPFS (opfsStorage.ts); tests use memoryStorage.
 */

/** Writes one file at byte offsets (OPFS: a SyncAccessHandle in the worker). */
export interface FileWriter {
  write(chunk: Uint8Array, at: number): Promise<void>;
  truncate(size: number): Promise<void>;
  /** Makes what was written durable (survives a tab kill). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface PackDir {
  /** Bytes of the file, or null when it does not exist. */
  size(path: string): Promise<number | null>;
  read(path: string): Promise<Blob | null>;
  open(path: string): Promise<FileWriter>;
  writeText(path: string, text: string): Promise<void>;
  remove(path: string): Promise<void>;
}

export interface PackStorage {
  /** Ids of the pack directories present. */
  list(): Promise<string[]>;
  dir(packId: string, create: boolean): Promise<PackDir | null>;
  remove(packId: string): Promise<void>;
}

/** Name of the state file inside a pack directory (see packRecord.ts). */
export const STATE_FILE = '.musev-pack-state.json';

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
/** Pack ids become directory names: letters, digits, '.', '_', '-' only. */
export function isSafePackId(id: unknown): id is string {
  return typeof id === 'string' && SAFE_ID.test(id) && !id.includes('..');
}

export async function readText(dir: PackDir, path: string): Promise<string | null> {
  const blob = await dir.read(path);
  return blob ? blob.text() : null;
}

/** In-memory storage (tests, and a fallback where OPFS is missing). `quota` limits total bytes. */
export function memoryStorage(quota = Infinity): PackStorage & { files: Map<string, Map<string, Uint8Array>> } {
  const files = new Map<string, Map<string, Uint8Array>>();
  const used = () => [...files.values()].flatMap((d) => [...d.values()]).reduce((s, b) => s + b.byteLength, 0);
  const quotaError = () => Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' });
  const dirOf = (d: Map<string, Uint8Array>): PackDir => ({
    async size(path) {
      return d.get(path)?.byteLength ?? null;
    },
    async read(path) {
      const b = d.get(path);
      return b ? new Blob([b as Uint8Array<ArrayBuffer>]) : null;
    },
    async open(path) {
      if (!d.has(path)) d.set(path, new Uint8Array(0));
      let buf = d.get(path)!; // capacity doubles; d holds the exact-length view
      return {
        async write(chunk, at) {
          const len = d.get(path)!.byteLength;
          const end = Math.max(len, at + chunk.byteLength);
          if (used() - len + end > quota) throw quotaError();
          if (end > buf.byteLength) {
            const next = new Uint8Array(Math.max(end, buf.byteLength * 2));
            next.set(buf.subarray(0, len));
            buf = next;
          }
          buf.set(chunk, at);
          d.set(path, buf.subarray(0, end));
        },
        async truncate(size) {
          d.set(path, buf.subarray(0, Math.min(size, d.get(path)!.byteLength)));
        },
        async flush() {},
        async close() {},
      };
    },
    async writeText(path, text) {
      d.set(path, new TextEncoder().encode(text));
    },
    async remove(path) {
      d.delete(path);
    },
  });
  return {
    files,
    async list() {
      return [...files.keys()];
    },
    async dir(packId, create) {
      if (!files.has(packId)) {
        if (!create) return null;
        files.set(packId, new Map());
      }
      return dirOf(files.get(packId)!);
    },
    async remove(packId) {
      files.delete(packId);
    },
  };
}
