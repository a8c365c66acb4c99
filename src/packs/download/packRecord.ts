/**
 * The persisted state of one installed pack, kept in OPFS beside its files (STATE_FILE): where it
 * came from, which files passed their sha256 check, which one failed. A download interrupted by a
 * network error, a reload or a browser restart resumes from this record plus the bytes on disk.
 */
import { appError } from '../../rpc/errors';
import type { PackOrigin, StoredPack } from '../../rpc/packsApi';
import type { PackManifest } from '../manifest';
import { packFacts, packFiles } from '../packInfo';
import { readText, STATE_FILE, type PackDir, type PackStorage } from '../storage';
import { validateManifest } from '../validateManifest';

export interface PackRecord {
  version: 1;
  origin: PackOrigin;
  /** file -> sha256 it was verified with. */
  verified: Record<string, string>;
  corrupt?: { file: string; problem: string };
}

export async function readRecord(dir: PackDir): Promise<PackRecord | null> {
  const text = await readText(dir, STATE_FILE);
  if (!text) return null;
  try {
    const r = JSON.parse(text) as PackRecord;
    return r && r.version === 1 && typeof r.verified === 'object' && r.origin ? r : null;
  } catch {
    return null;
  }
}

export function writeRecord(dir: PackDir, record: PackRecord): Promise<void> {
  return dir.writeText(STATE_FILE, JSON.stringify(record));
}

/** The pack's stored manifest.json, validated; null when absent or unreadable. */
export async function readStoredManifest(dir: PackDir): Promise<PackManifest | null> {
  const text = await readText(dir, 'manifest.json');
  if (!text) return null;
  try {
    const r = validateManifest(JSON.parse(text));
    return r.ok ? r.manifest : null;
  } catch {
    return null;
  }
}

/** Parses and validates manifest JSON text; a broken one is a 'pack-corrupt' error naming `where`. */
export function parseManifest(text: string, where: string): PackManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw appError('pack-corrupt', `The manifest.json of ${where} is not valid JSON.`, String(e));
  }
  const r = validateManifest(json);
  if (!r.ok) {
    throw appError('pack-corrupt', `The manifest.json of ${where} is not a MuseV Web pack manifest: ${r.errors.slice(0, 2).join('; ')}.`, r.errors.join('\n'));
  }
  return r.manifest;
}

/**
 * What the pack manager shows for a stored pack. A file verified earlier but now missing or of
 * another size (the browser evicted it, someone deleted it) makes the pack corrupt, naming the file.
 */
export async function describeStored(dir: PackDir, manifest: PackManifest, record: PackRecord): Promise<StoredPack> {
  const files = packFiles(manifest);
  let storedBytes = 0;
  let verifiedFiles = 0;
  let corrupt = record.corrupt;
  for (const f of files) {
    const size = await dir.size(f.file);
    storedBytes += Math.min(size ?? 0, f.bytes);
    if (record.verified[f.file] !== f.sha256) continue;
    if (size === f.bytes) verifiedFiles++;
    else corrupt ??= { file: f.file, problem: size === null ? `"${f.file}" is missing from the browser's storage` : `"${f.file}" changed size in the browser's storage` };
  }
  return {
    ...packFacts(manifest),
    origin: record.origin,
    status: corrupt ? 'corrupt' : verifiedFiles === files.length ? 'ready' : 'partial',
    storedBytes,
    fileCount: files.length,
    verifiedFiles,
    ...(corrupt ? { corruptFile: corrupt.file, problem: corrupt.problem } : {}),
  };
}

/** Records that `file` of an installed pack failed a check (at load time): the manager shows it corrupt. */
export async function markCorrupt(storage: PackStorage, packId: string, file: string, problem: string): Promise<void> {
  const dir = await storage.dir(packId, false);
  const record = dir && (await readRecord(dir));
  if (!dir || !record) return;
  delete record.verified[file];
  record.corrupt = { file, problem };
  await writeRecord(dir, record);
}
