/**
 * Fetches one pack file into storage, resuming with an HTTP Range request from the bytes already
 * written. A server that ignores Range (200 instead of 206) restarts the file from byte 0.
 * Bytes received before a network error stay written (flushed), so the next try resumes there.
 */
import { appError } from '../../rpc/errors';
import type { FileRef } from '../manifest';
import type { FileWriter } from '../storage';

/** Flush to disk at least every this many bytes (what a tab kill can lose). */
export const FLUSH_EVERY = 4 * 2 ** 20;

export interface FetchFileOptions {
  url: string;
  ref: FileRef;
  writer: FileWriter;
  /** Bytes of the file already written. */
  have: number;
  fetchFn: typeof fetch;
  /** Called with the file's byte count after every chunk. */
  onBytes(done: number): void;
  /** Where the file's transfer really started (`have`, or 0 when the server ignored Range). */
  onStart?(from: number): void;
}

const lost = (file: string, why: string, detail?: string) =>
  appError('download-failed', `The download of "${file}" stopped: ${why}. The bytes received are kept; press Resume to continue.`, detail);

async function request(o: FetchFileOptions): Promise<Response> {
  const headers: Record<string, string> = o.have > 0 ? { Range: `bytes=${o.have}-` } : {};
  let res: Response;
  try {
    res = await o.fetchFn(o.url, { headers, cache: 'no-store' });
  } catch (e) {
    throw lost(o.ref.file, 'the server could not be reached', String(e));
  }
  if (!res.ok) throw lost(o.ref.file, `the server answered HTTP ${res.status}`);
  if (!res.body) throw lost(o.ref.file, 'the answer had no body');
  return res;
}

/** Where the answer's bytes start: `have` for a matching 206, 0 for a 200. */
function startOf(res: Response, have: number, file: string): number {
  if (res.status !== 206) return 0;
  const m = /^bytes (\d+)-/.exec(res.headers.get('Content-Range') ?? '');
  if (!m || Number(m[1]) !== have) throw lost(file, `the server sent another byte range (${res.headers.get('Content-Range')}) than asked (from ${have})`);
  return have;
}

export async function fetchFile(o: FetchFileOptions): Promise<void> {
  const res = await request(o);
  let at = startOf(res, o.have, o.ref.file);
  if (at === 0 && o.have > 0) await o.writer.truncate(0);
  o.onStart?.(at);
  const reader = res.body!.getReader();
  let unflushed = 0;
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw lost(o.ref.file, `the connection broke after ${at} of ${o.ref.bytes} bytes`, String(e));
      }
      if (chunk.done) break;
      if (at + chunk.value.byteLength > o.ref.bytes) {
        throw appError('pack-corrupt', `The file "${o.ref.file}" on the server is larger than the manifest says (${o.ref.bytes} bytes). The pack on the server is broken.`);
      }
      await o.writer.write(chunk.value, at);
      at += chunk.value.byteLength;
      unflushed += chunk.value.byteLength;
      if (unflushed >= FLUSH_EVERY) {
        await o.writer.flush();
        unflushed = 0;
      }
      o.onBytes(at);
    }
  } finally {
    await o.writer.flush();
    await reader.cancel().catch(() => {}); // stops the transfer after an error; harmless when done
  }
  if (at < o.ref.bytes) throw lost(o.ref.file, `the server ended the file after ${at} of ${o.ref.bytes} bytes`);
}
