/**
 * Where a pack's files come from: HTTP (the bundled demo packs, served with the app), OPFS (packs
 * downloaded or imported in the pack manager, storedPackSource.ts) and the file system in Node
 * tests. Every file is checked against the manifest's sha256.
 */
import { appError } from '../rpc/errors';
import type { FileRef } from '../packs/manifest';

export interface PackSource {
  /** A label for messages ("the demo pack at /packs/tiny-musev/"). */
  readonly label: string;
  readBytes(path: string): Promise<Uint8Array>;
  /** Told when a file fails its size or sha256 check (an installed pack records it as corrupt). */
  onBadFile?(file: string, problem: string): Promise<void>;
}

export function httpPackSource(baseUrl: string, fetchFn: typeof fetch = fetch): PackSource {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return {
    label: base,
    async readBytes(path) {
      let res: Response;
      try {
        res = await fetchFn(new URL(path, base).href);
      } catch (e) {
        throw appError('pack-missing', `Could not read "${path}" of the model pack (${base}). Check your connection and reload.`, String(e));
      }
      if (!res.ok) {
        throw appError('pack-missing', `The model pack file "${path}" is missing (HTTP ${res.status} at ${base}). Re-download or re-install the pack.`);
      }
      return new Uint8Array(await res.arrayBuffer());
    },
  };
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Reads a file and checks its size and sha256 against the manifest entry. */
export async function readVerified(source: PackSource, ref: FileRef): Promise<Uint8Array> {
  const bytes = await source.readBytes(ref.file);
  if (bytes.byteLength !== ref.bytes) {
    await source.onBadFile?.(ref.file, `"${ref.file}" has ${bytes.byteLength} bytes, the manifest says ${ref.bytes}`);
    throw appError(
      'pack-corrupt',
      `The model pack file "${ref.file}" has ${bytes.byteLength} bytes, the manifest says ${ref.bytes}: it is damaged or incomplete. Re-download the pack.`,
    );
  }
  const hash = await sha256Hex(bytes);
  if (hash !== ref.sha256) {
    await source.onBadFile?.(ref.file, `"${ref.file}" fails its integrity check (sha256 mismatch)`);
    throw appError('pack-corrupt', `The model pack file "${ref.file}" fails its integrity check (sha256 mismatch). Re-download the pack.`, `expected ${ref.sha256}, got ${hash}`);
  }
  return bytes;
}
