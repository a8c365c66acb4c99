/**
 * Install a pack from local files (a dropped or picked pack folder), no network: manifest.json is
 * found at the folder's root (the shallowest one), every file at its manifest path below it; the
 * same size + sha256 verification as a download runs before the pack is ready.
 */
import { appError } from '../../rpc/errors';
import type { PackProgressCallback, StoredPack } from '../../rpc/packsApi';
import { installPack, type InstallDeps } from './installPack';
import { parseManifest } from './packRecord';

export interface LocalFile {
  /** Path relative to the picked/dropped folder ("tiny-musev/unet.onnx") or just the name. */
  path: string;
  file: Blob;
}

const COPY_CHUNK = 8 * 2 ** 20;

/** The folder prefix that holds manifest.json ("tiny-musev/" or ""), or null without one. */
export function packRoot(files: readonly LocalFile[]): string | null {
  const roots = files
    .map((f) => f.path.replace(/^\/+/, ''))
    .filter((p) => p === 'manifest.json' || p.endsWith('/manifest.json'))
    .map((p) => p.slice(0, -'manifest.json'.length))
    .sort((a, b) => a.split('/').length - b.split('/').length);
  return roots[0] ?? null;
}

export async function importPack(deps: InstallDeps, files: readonly LocalFile[], onProgress: PackProgressCallback): Promise<StoredPack> {
  const root = packRoot(files);
  if (root === null) throw appError('pack-missing', 'These files are not a model pack: there is no manifest.json among them. Pick the pack folder itself (the one holding manifest.json).');
  const byPath = new Map(files.map((f) => [f.path.replace(/^\/+/, ''), f.file]));
  // Files picked one by one carry no folder: find "tokenizer/vocab.json" by its name when that is unique.
  const byName = (path: string) => {
    const name = path.split('/').pop()!;
    const hits = files.filter((f) => f.path.split('/').pop() === name);
    return hits.length === 1 ? hits[0].file : undefined;
  };
  const text = await byPath.get(`${root}manifest.json`)!.text();
  const manifest = parseManifest(text, 'the imported folder');
  return installPack(deps, manifest, text, { kind: 'import' }, async (ref, writer, have, onBytes) => {
    const src = byPath.get(`${root}${ref.file}`) ?? byName(ref.file);
    if (!src) throw appError('pack-missing', `The imported folder has no "${ref.file}", which the pack's manifest lists. Import the whole pack folder.`, `file ${ref.file}`);
    if (src.size !== ref.bytes) throw appError('pack-corrupt', `The imported file "${ref.file}" has ${src.size} bytes, the manifest says ${ref.bytes}.`, `file ${ref.file}`);
    for (let at = have; at < src.size; at += COPY_CHUNK) {
      const chunk = new Uint8Array(await src.slice(at, at + COPY_CHUNK).arrayBuffer());
      await writer.write(chunk, at);
      onBytes(at + chunk.byteLength);
    }
    await writer.flush();
  }, onProgress);
}
