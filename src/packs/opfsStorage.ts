/**
 * PackStorage on the Origin Private File System: `packs/<packId>/<file path>`.
 * In a worker, files are written in place with a SyncAccessHandle (no swap-file copy, so resuming
 * a multi-GB file does not rewrite it); elsewhere with createWritable({ keepExistingData: true }).
 */
import type { FileWriter, PackDir, PackStorage } from './storage';

/** The parts of FileSystemSyncAccessHandle we use (worker-only; not in the DOM lib). */
interface SyncHandle {
  write(buffer: Uint8Array, options: { at: number }): number;
  truncate(size: number): void;
  flush(): void;
  close(): void;
}
type SyncCapable = FileSystemFileHandle & { createSyncAccessHandle?: () => Promise<SyncHandle> };
type Listable = FileSystemDirectoryHandle & { keys(): AsyncIterable<string> };

const notFound = (e: unknown) => e instanceof DOMException && (e.name === 'NotFoundError' || e.name === 'TypeMismatchError');

async function walk(root: FileSystemDirectoryHandle, path: string, create: boolean): Promise<{ parent: FileSystemDirectoryHandle; name: string }> {
  const parts = path.split('/').filter(Boolean);
  const name = parts.pop()!;
  let parent = root;
  for (const p of parts) parent = await parent.getDirectoryHandle(p, { create });
  return { parent, name };
}

async function fileHandle(root: FileSystemDirectoryHandle, path: string, create: boolean): Promise<FileSystemFileHandle | null> {
  try {
    const { parent, name } = await walk(root, path, create);
    return await parent.getFileHandle(name, { create });
  } catch (e) {
    if (notFound(e)) return null;
    throw e;
  }
}

async function writerFor(handle: SyncCapable): Promise<FileWriter> {
  if (handle.createSyncAccessHandle) {
    const h = await handle.createSyncAccessHandle();
    return {
      async write(chunk, at) {
        let done = 0;
        while (done < chunk.byteLength) done += h.write(chunk.subarray(done), { at: at + done });
      },
      async truncate(size) {
        h.truncate(size);
      },
      async flush() {
        h.flush();
      },
      async close() {
        h.close();
      },
    };
  }
  let w = await handle.createWritable({ keepExistingData: true });
  return {
    async write(chunk, at) {
      await w.write({ type: 'write', position: at, data: chunk as Uint8Array<ArrayBuffer> });
    },
    async truncate(size) {
      await w.truncate(size);
    },
    async flush() {
      // createWritable commits on close: close and reopen to make the bytes durable.
      await w.close();
      w = await handle.createWritable({ keepExistingData: true });
    },
    async close() {
      await w.close().catch(() => {});
    },
  };
}

function packDir(root: FileSystemDirectoryHandle): PackDir {
  return {
    async size(path) {
      const h = await fileHandle(root, path, false);
      return h ? (await h.getFile()).size : null;
    },
    async read(path) {
      const h = await fileHandle(root, path, false);
      return h ? h.getFile() : null;
    },
    async open(path) {
      return writerFor((await fileHandle(root, path, true))!);
    },
    async writeText(path, text) {
      const w = await writerFor((await fileHandle(root, path, true))!);
      try {
        const bytes = new TextEncoder().encode(text);
        await w.truncate(0);
        await w.write(bytes, 0);
        await w.flush();
      } finally {
        await w.close();
      }
    },
    async remove(path) {
      try {
        const { parent, name } = await walk(root, path, false);
        await parent.removeEntry(name);
      } catch (e) {
        if (!notFound(e)) throw e;
      }
    },
  };
}

/** The OPFS `packs/` directory as PackStorage (opened on first use). */
export function opfsStorage(getRoot: () => Promise<FileSystemDirectoryHandle> = () => navigator.storage.getDirectory()): PackStorage {
  let packs: Promise<FileSystemDirectoryHandle> | undefined;
  const packsDir = () => (packs ??= getRoot().then((r) => r.getDirectoryHandle('packs', { create: true })));
  return {
    async list() {
      const out: string[] = [];
      for await (const name of (await packsDir() as Listable).keys()) out.push(name);
      return out;
    },
    async dir(packId, create) {
      try {
        return packDir(await (await packsDir()).getDirectoryHandle(packId, { create }));
      } catch (e) {
        if (notFound(e)) return null;
        throw e;
      }
    },
    async remove(packId) {
      try {
        await (await packsDir()).removeEntry(packId, { recursive: true });
      } catch (e) {
        if (!notFound(e)) throw e;
      }
    },
  };
}
