import { Sha256 } from '../../core/sha256';

/** Bytes read at a time: a multi-GB file is never in memory whole. */
export const HASH_CHUNK = 8 * 2 ** 20;

/** sha256 (hex) of a Blob/File (an OPFS file), read in HASH_CHUNK slices. */
export async function hashBlob(blob: Blob, chunk = HASH_CHUNK): Promise<string> {
  const h = new Sha256();
  for (let at = 0; at < blob.size; at += chunk) h.update(new Uint8Array(await blob.slice(at, at + chunk).arrayBuffer()));
  return h.hex();
}
