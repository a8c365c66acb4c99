/**
 * The packs worker's contract (workers/packs.worker.ts): download a pack into OPFS (resumable,
 * sha256-checked), import one from local files, list and delete installed packs.
 * Errors are thrown as AppError data ('download-failed', 'storage-full', 'pack-corrupt', ...).
 */

/** Where an installed pack came from: a manifest URL (re-download possible) or imported files. */
export type PackOrigin = { kind: 'url'; manifestUrl: string } | { kind: 'import' };

/**
 * An installed (or partly installed) pack as OPFS holds it.
 * - 'partial': some files missing or incomplete (an interrupted download): resume it.
 * - 'ready': every file present and its sha256 checked against the manifest.
 * - 'corrupt': `corruptFile` failed its check (or is missing): re-download / re-import.
 */
/** What the manifest tells about a pack before it is downloaded (src/packs/packInfo.ts). */
export interface PackFacts {
  id: string;
  name: string;
  family: string;
  dtype: 'float32' | 'float16';
  /** Sum of the file bytes. */
  totalBytes: number;
  /** WebGPU adapter features needed ('shader-f16' for fp16 packs). */
  gpuFeatures: string[];
  /** Rough GPU memory estimate (weights + workspace). */
  gpuMemoryBytes: number;
}

export interface StoredPack extends PackFacts {
  origin: PackOrigin;
  status: 'partial' | 'ready' | 'corrupt';
  /** Bytes present in OPFS (verified or not). */
  storedBytes: number;
  fileCount: number;
  verifiedFiles: number;
  corruptFile?: string;
  /** Why the pack is corrupt, in words. */
  problem?: string;
}

/** Progress of a download or an import, as a tagged union (plain data). */
export type PackProgressEvent =
  /** The manifest was read: the files to fetch and their total size. */
  | { type: 'manifest'; packId: string; name: string; files: { file: string; bytes: number }[]; totalBytes: number }
  /** Bytes of `file` arrived. Speeds in bytes/second since this file's (or this run's) start. */
  | {
      type: 'bytes';
      file: string;
      fileBytes: number;
      fileDone: number;
      /** Where this file's transfer started (> 0 when resumed with an HTTP Range request). */
      resumedFrom: number;
      fileBytesPerSec: number;
      totalBytes: number;
      totalDone: number;
      totalBytesPerSec: number;
    }
  | { type: 'verifying'; file: string }
  | { type: 'verified'; file: string }
  /** The file was already complete and verified (a resumed download skips it). */
  | { type: 'skipped'; file: string }
  | { type: 'ready'; pack: StoredPack };

export type PackProgressCallback = (event: PackProgressEvent) => void;

export interface StorageEstimate {
  usage: number;
  quota: number;
  persisted: boolean;
}

export interface PacksApi {
  list(): Promise<StoredPack[]>;
  /** The stored manifest.json of an installed pack (parsed JSON). */
  readManifest(packId: string): Promise<unknown>;
  /** Read a manifest (not installing anything): size, GPU features, memory estimate. */
  inspect(manifestUrl: string): Promise<PackFacts>;
  /** Download (or resume) the pack whose manifest is at `manifestUrl` into OPFS. */
  download(manifestUrl: string, onProgress: PackProgressCallback): Promise<StoredPack>;
  /** Install a pack from local files (a pack folder): `path` is relative to the folder (manifest.json at its root). */
  importFiles(files: { path: string; file: Blob }[], onProgress: PackProgressCallback): Promise<StoredPack>;
  remove(packId: string): Promise<void>;
  estimate(): Promise<StorageEstimate>;
}
