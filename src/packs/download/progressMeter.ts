/**
 * Turns "n more bytes of file f" into 'bytes' progress events with per-file and total speed.
 * Speeds count only bytes moved in this run (a resumed file's earlier bytes are not "fast").
 * Events are spaced at least `everyMs` apart except the last one of each file.
 */
import type { PackProgressCallback } from '../../rpc/packsApi';

export class ProgressMeter {
  private readonly runStart: number;
  private runBytes = 0;
  /** Bytes of the files finished (or skipped) so far. */
  private doneBefore = 0;
  private file = { name: '', bytes: 0, resumedFrom: 0, start: 0, done: 0, lastEmit: -Infinity };

  constructor(
    private readonly totalBytes: number,
    private readonly onProgress: PackProgressCallback,
    private readonly now: () => number,
    private readonly everyMs = 100,
  ) {
    this.runStart = now();
  }

  /** A file that needs no transfer (already verified). */
  skip(bytes: number): void {
    this.doneBefore += bytes;
  }

  startFile(name: string, bytes: number, resumedFrom: number): void {
    this.file = { name, bytes, resumedFrom, start: this.now(), done: resumedFrom, lastEmit: -Infinity };
  }

  /** The file now has `done` bytes. */
  update(done: number): void {
    const f = this.file;
    this.runBytes += done - f.done;
    f.done = done;
    const t = this.now();
    if (done < f.bytes && t - f.lastEmit < this.everyMs) return;
    f.lastEmit = t;
    const rate = (bytes: number, since: number) => (t > since ? (bytes * 1000) / (t - since) : 0);
    this.onProgress({
      type: 'bytes',
      file: f.name,
      fileBytes: f.bytes,
      fileDone: done,
      resumedFrom: f.resumedFrom,
      fileBytesPerSec: rate(done - f.resumedFrom, f.start),
      totalBytes: this.totalBytes,
      totalDone: this.doneBefore + done,
      totalBytesPerSec: rate(this.runBytes, this.runStart),
    });
  }

  endFile(): void {
    this.doneBefore += this.file.bytes;
    this.file = { ...this.file, name: '', bytes: 0, done: 0 };
  }
}
