/**
 * The running pack download/import as the pack manager shows it, folded from the packs worker's
 * progress events (src/rpc/packsApi.ts).
 */
import type { PackProgressEvent } from '../rpc/packsApi';

export interface PackTask {
  /** The manager row it belongs to (manifest URL, or 'import'). */
  key: string;
  kind: 'download' | 'import';
  phase: 'starting' | 'transfer' | 'verifying';
  file: string | null;
  fileDone: number;
  fileBytes: number;
  /** Where the current file's transfer started (a resumed download: > 0). */
  resumedFrom: number;
  totalDone: number;
  totalBytes: number;
  bytesPerSec: number;
  fileBytesPerSec: number;
  /** Files verified so far / files in the pack. */
  verified: number;
  files: number;
}

export function startTask(key: string, kind: PackTask['kind']): PackTask {
  return { key, kind, phase: 'starting', file: null, fileDone: 0, fileBytes: 0, resumedFrom: 0, totalDone: 0, totalBytes: 0, bytesPerSec: 0, fileBytesPerSec: 0, verified: 0, files: 0 };
}

export function reducePackTask(t: PackTask, e: PackProgressEvent): PackTask {
  switch (e.type) {
    case 'manifest':
      return { ...t, totalBytes: e.totalBytes, files: e.files.length };
    case 'bytes':
      return {
        ...t,
        phase: 'transfer',
        file: e.file,
        fileDone: e.fileDone,
        fileBytes: e.fileBytes,
        resumedFrom: e.resumedFrom,
        totalDone: e.totalDone,
        totalBytes: e.totalBytes,
        bytesPerSec: e.totalBytesPerSec,
        fileBytesPerSec: e.fileBytesPerSec,
      };
    case 'verifying':
      return { ...t, phase: 'verifying', file: e.file };
    case 'verified':
    case 'skipped':
      return { ...t, verified: t.verified + 1 };
    case 'ready':
      return { ...t, verified: t.files, totalDone: t.totalBytes };
  }
}

/** Whole percent of the pack's bytes done (0 before the manifest is read). */
export function taskPercent(t: PackTask): number {
  return t.totalBytes > 0 ? Math.floor((t.totalDone / t.totalBytes) * 100) : 0;
}

export type RowStatus = 'not-downloaded' | 'downloading' | 'verifying' | 'partial' | 'ready' | 'corrupt';

/** A manager row's state: the running task wins, then the installed copy's status. */
export function rowStatus(stored: { status: 'partial' | 'ready' | 'corrupt' } | null, task: PackTask | null): RowStatus {
  if (task) return task.phase === 'verifying' ? 'verifying' : 'downloading';
  return stored ? stored.status : 'not-downloaded';
}
