/**
 * A PackSource over an installed pack (OPFS via PackStorage): files are read as Blobs from the
 * browser's storage, never from the network. A missing file or one that fails its check is
 * named in the error and recorded on the pack, so the pack manager offers Re-download / Import.
 */
import { markCorrupt } from '../packs/download/packRecord';
import type { PackStorage } from '../packs/storage';
import { appError } from '../rpc/errors';
import type { PackSource } from './packSource';

/** "opfs:<packId>" names an installed pack wherever a manifest URL is accepted. */
export const STORED_PACK_PREFIX = 'opfs:';

export function storedPackId(ref: string): string | null {
  return ref.startsWith(STORED_PACK_PREFIX) ? ref.slice(STORED_PACK_PREFIX.length) : null;
}

export function storedPackSource(storage: PackStorage, packId: string): PackSource {
  const fix = 'Press Re-download (or import the pack folder again) in the pack manager.';
  return {
    label: `the installed pack "${packId}"`,
    async readBytes(path) {
      const dir = await storage.dir(packId, false);
      if (!dir) throw appError('pack-missing', `The model pack "${packId}" is no longer in this browser's storage (it may have been cleared). ${fix}`);
      const blob = await dir.read(path);
      if (!blob) {
        await markCorrupt(storage, packId, path, `"${path}" is missing from the browser's storage`);
        throw appError('pack-missing', `The file "${path}" of the model pack "${packId}" is missing from the browser's storage. ${fix}`, `file ${path}`);
      }
      return new Uint8Array(await blob.arrayBuffer());
    },
    onBadFile: (file, problem) => markCorrupt(storage, packId, file, problem),
  };
}
