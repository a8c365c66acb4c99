/**
 * Puts a pack into storage file by file, whatever the bytes come from (an HTTP server or local
 * files), and verifies every file's size and sha256 before the pack is marked ready:
 *
 * 1. write manifest.json and the state record (origin; a previous corrupt mark is cleared and the
 *    bad file deleted, so it is fetched again);
 * 2. check the free space against the bytes still missing ('storage-full' before anything is written);
 * 3. per file: skip it when already verified; otherwise `fill` it from the bytes already present,
 *    then hash it back from storage: a mismatch deletes the file, marks the pack corrupt naming the
 *    file and stops; a match is recorded at once (a restart skips the file);
 * 4. a QuotaExceededError mid-file deletes that partial file, keeps the verified ones, and says how
 *    many bytes are still needed.
 */
import { appError, AppErrorException } from '../../rpc/errors';
import type { PackOrigin, PackProgressCallback, StoredPack } from '../../rpc/packsApi';
import type { FileRef, PackManifest } from '../manifest';
import { formatBytes, packFiles } from '../packInfo';
import { isSafePackId, type FileWriter, type PackDir, type PackStorage } from '../storage';
import { hashBlob } from './hashBlob';
import { describeStored, readRecord, writeRecord, type PackRecord } from './packRecord';
import { ProgressMeter } from './progressMeter';

export interface InstallDeps {
  storage: PackStorage;
  now(): number;
  /** Free space check (navigator.storage.estimate); absent = not checked. */
  estimate?(): Promise<{ usage: number; quota: number }>;
}

/** Writes `ref`'s missing bytes (from `have` on) into `writer`, reporting the byte count so far. */
export type FillFile = (ref: FileRef, writer: FileWriter, have: number, onBytes: (done: number) => void, onStart: (from: number) => void) => Promise<void>;

const isQuotaError = (e: unknown) => e instanceof Error && e.name === 'QuotaExceededError';

function storageFull(needed: number, free?: number): AppErrorException {
  const space = free === undefined ? '' : ` (about ${formatBytes(Math.max(0, free))} free)`;
  return appError(
    'storage-full',
    `Not enough storage for this pack: ${formatBytes(needed)} more are needed${space}. Verified files are kept; free some space (delete other packs or site data) and press Resume.`,
    `needed ${needed} bytes`,
  );
}

async function prepare(dir: PackDir, manifestText: string, origin: PackOrigin): Promise<PackRecord> {
  await dir.writeText('manifest.json', manifestText);
  const old = await readRecord(dir);
  const record: PackRecord = { version: 1, origin: origin.kind === 'import' && old?.origin.kind === 'url' ? old.origin : origin, verified: old?.verified ?? {} };
  if (old?.corrupt) await dir.remove(old.corrupt.file);
  await writeRecord(dir, record);
  return record;
}

async function missingBytes(dir: PackDir, files: FileRef[], record: PackRecord): Promise<number> {
  let n = 0;
  for (const f of files) if (record.verified[f.file] !== f.sha256) n += f.bytes - Math.min((await dir.size(f.file)) ?? 0, f.bytes);
  return n;
}

async function verify(dir: PackDir, f: FileRef, record: PackRecord, onProgress: PackProgressCallback): Promise<void> {
  onProgress({ type: 'verifying', file: f.file });
  const blob = await dir.read(f.file);
  const problem = !blob
    ? `"${f.file}" is missing after writing it`
    : blob.size !== f.bytes
      ? `"${f.file}" has ${blob.size} bytes, the manifest says ${f.bytes}`
      : (await hashBlob(blob)) !== f.sha256
        ? `"${f.file}" fails its integrity check (sha256 mismatch)`
        : null;
  if (problem) {
    await dir.remove(f.file);
    record.corrupt = { file: f.file, problem };
    await writeRecord(dir, record);
    throw appError('pack-corrupt', `The model pack is corrupt: ${problem}. The file was deleted; press Re-download (or import the pack again).`, `file ${f.file}`);
  }
  record.verified[f.file] = f.sha256;
  await writeRecord(dir, record);
  onProgress({ type: 'verified', file: f.file });
}

export async function installPack(
  deps: InstallDeps,
  manifest: PackManifest,
  manifestText: string,
  origin: PackOrigin,
  fill: FillFile,
  onProgress: PackProgressCallback,
): Promise<StoredPack> {
  if (!isSafePackId(manifest.id)) throw appError('pack-corrupt', `The pack id "${manifest.id}" cannot be stored (letters, digits, ".", "_", "-" only).`);
  const dir = (await deps.storage.dir(manifest.id, true))!;
  const record = await prepare(dir, manifestText, origin);
  const files = packFiles(manifest);
  const totalBytes = files.reduce((s, f) => s + f.bytes, 0);
  onProgress({ type: 'manifest', packId: manifest.id, name: manifest.name, files: files.map((f) => ({ file: f.file, bytes: f.bytes })), totalBytes });

  const need = await missingBytes(dir, files, record);
  const est = deps.estimate ? await deps.estimate() : undefined;
  if (est && need > est.quota - est.usage) throw storageFull(need, est.quota - est.usage);

  const meter = new ProgressMeter(totalBytes, onProgress, deps.now);
  for (const f of files) {
    let size = await dir.size(f.file);
    if (record.verified[f.file] === f.sha256 && size === f.bytes) {
      meter.skip(f.bytes);
      onProgress({ type: 'skipped', file: f.file });
      continue;
    }
    if (size !== null && size > f.bytes) {
      await dir.remove(f.file);
      size = null;
    }
    const have = size ?? 0;
    if (have < f.bytes || size === null) {
      const writer = await dir.open(f.file);
      meter.startFile(f.file, f.bytes, have);
      try {
        await fill(f, writer, have, (done) => meter.update(done), (from) => meter.startFile(f.file, f.bytes, from));
      } catch (e) {
        if (!isQuotaError(e)) throw e;
        await writer.close().catch(() => {});
        await dir.remove(f.file);
        throw storageFull(await missingBytes(dir, files, record));
      } finally {
        await writer.close().catch(() => {});
      }
    }
    meter.endFile();
    await verify(dir, f, record, onProgress);
  }
  const pack = await describeStored(dir, manifest, record);
  onProgress({ type: 'ready', pack });
  return pack;
}
