/**
 * The ffmpeg.wasm encoder (single-thread core, self-hosted): MP4, WebM (VP8), GIF and PNG frames.
 *
 * The core (ffmpeg-core.js + the 32 MB ffmpeg-core.wasm) is bundled by Vite as hashed assets via
 * `?url` imports and handed to `ffmpeg.load`: nothing is fetched from a CDN, so export works
 * offline once the app is cached. `@ffmpeg/ffmpeg`'s class starts its own module worker; this
 * code usually runs inside our encoder worker, so that worker is nested (supported by Chromium,
 * Firefox and Safari).
 *
 * One run: validate -> write frames.rgba -> exec (H.264 yuv420p, see ffmpegArgs.ts; WebM, GIF
 * and PNG frames, see ffmpegFormatArgs.ts) -> read the output (PNGs: all of them, zipped) -> delete
 * every file. Runs are queued (ffmpeg executes one command at a time). The
 * core loads on the first run and is reused; after a crash (wasm trap) it is thrown away and
 * reloaded next time.
 *
 * The ffmpeg core is GPL-2.0-or-later; @ffmpeg/ffmpeg is MIT.
 */
import coreURL from '@ffmpeg/core?url';
import wasmURL from '@ffmpeg/core/wasm?url';
import { FORMAT_FILES, type EncodeRequest, type EncodeResult, type VideoFormat } from '../rpc/encoderApi';
import { AppErrorException, appError } from '../rpc/errors';
import type { ProgressCallback } from '../rpc/progress';
import { EncodeSpecError, type Mp4EncodeOptions } from './ffmpegArgs';
import { buildFfmpegJob, type FfmpegJob } from './ffmpegFormatArgs';
import { FrameProgress } from './ffmpegProgress';
import { concatFrames } from './rawFrames';
import { zipStore } from './zip';

/** The slice of @ffmpeg/ffmpeg the encoder needs (a fake implements it in unit tests). */
export interface FfmpegBackend {
  /** Adds a log listener; returns a function that removes it. */
  onLog(listener: (message: string) => void): () => void;
  /** Adds a progress listener (`timeUs`: output position in microseconds); returns its remover. */
  onProgress(listener: (timeUs: number) => void): () => void;
  writeFile(path: string, data: Uint8Array): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
  deleteFile(path: string): Promise<void>;
  /** Runs ffmpeg with `args` (no program name); resolves to its exit code. */
  exec(args: string[]): Promise<number>;
  terminate(): void;
}

export interface FfmpegEncoderOptions extends Pick<Mp4EncodeOptions, 'crf' | 'preset'> {
  /** Creates and loads a backend. Default: @ffmpeg/ffmpeg with the bundled core. */
  createBackend?: () => Promise<FfmpegBackend>;
}

/** One format's bytes from ffmpeg; `codec` names the ffmpeg encoder ('libx264', 'libvpx', 'gif', 'png'). */
export interface FfmpegOutput {
  bytes: Uint8Array;
  mimeType: string;
  extension: string;
  codec: string;
  ms: number;
}

export interface FfmpegEncoder {
  /** H.264 MP4 (the original contract). */
  encodeMp4(request: EncodeRequest, onProgress: ProgressCallback): Promise<EncodeResult>;
  /** MP4 (libx264), WebM (VP8), GIF or a zip of PNG frames. */
  encodeFormat(request: EncodeRequest, format: VideoFormat, onProgress: ProgressCallback): Promise<FfmpegOutput>;
  /** Terminates ffmpeg's worker; the next encode loads it again. */
  dispose(): void;
}

/** Loads @ffmpeg/ffmpeg (lazily: importing this module starts nothing) with the self-hosted core. */
export async function loadBundledFfmpeg(): Promise<FfmpegBackend> {
  const { FFmpeg } = await import('@ffmpeg/ffmpeg');
  const ffmpeg = new FFmpeg();
  await ffmpeg.load({ coreURL, wasmURL });
  return {
    onLog(listener) {
      const cb = ({ message }: { message: string }) => listener(message);
      ffmpeg.on('log', cb);
      return () => ffmpeg.off('log', cb);
    },
    onProgress(listener) {
      const cb = ({ time }: { progress: number; time: number }) => listener(time);
      ffmpeg.on('progress', cb);
      return () => ffmpeg.off('progress', cb);
    },
    async writeFile(path, data) {
      await ffmpeg.writeFile(path, data);
    },
    async readFile(path) {
      const data = await ffmpeg.readFile(path);
      if (typeof data === 'string') throw new Error(`readFile(${path}) returned text`);
      return data;
    },
    async deleteFile(path) {
      await ffmpeg.deleteFile(path);
    },
    exec: (args) => ffmpeg.exec(args),
    terminate: () => ffmpeg.terminate(),
  };
}

const LOG_TAIL_LINES = 25;

export function createFfmpegEncoder(options: FfmpegEncoderOptions = {}): FfmpegEncoder {
  const createBackend = options.createBackend ?? loadBundledFfmpeg;
  let backend: Promise<FfmpegBackend> | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  let runId = 0;

  function getBackend(): Promise<FfmpegBackend> {
    if (!backend) {
      const loading = createBackend();
      backend = loading;
      loading.catch(() => {
        if (backend === loading) backend = null; // let the next call retry
      });
    }
    return backend;
  }

  function dispose(): void {
    const current = backend;
    backend = null;
    current?.then((b) => b.terminate(), () => undefined);
  }

  async function encodeOnce(request: EncodeRequest, format: VideoFormat, onProgress: ProgressCallback): Promise<FfmpegOutput> {
    const t0 = performance.now();
    const { frames, width, height, fps } = request;
    const tag = String(++runId);
    const inputName = `frames-${tag}.rgba`;
    const what = format === 'png-zip' ? 'PNG frames' : format.toUpperCase();
    let job: FfmpegJob;
    let raw: Uint8Array;
    try {
      job = buildFfmpegJob(format, { width, height, fps }, frames.length, tag, { crf: options.crf, preset: options.preset });
      raw = concatFrames(frames, width, height);
    } catch (e) {
      if (e instanceof EncodeSpecError) throw appError('bad-input', e.message);
      throw e;
    }

    let ffmpeg: FfmpegBackend;
    try {
      ffmpeg = await getBackend();
    } catch (e) {
      throw appError(
        'encode-failed',
        'The video encoder (ffmpeg.wasm) could not start. Reload the page and export again; ' +
          'if you are offline, open the app once while online so the encoder is cached.',
        errorText(e),
      );
    }

    const progress = new FrameProgress(frames.length, (frame, total) =>
      onProgress({ type: 'encode', frame, frames: total }),
    );
    progress.update(0);
    const logTail: string[] = [];
    const offLog = ffmpeg.onLog((message) => {
      logTail.push(message);
      if (logTail.length > LOG_TAIL_LINES) logTail.shift();
      progress.onLog(message);
    });
    const offProgress = ffmpeg.onProgress((timeUs) => progress.onTime(timeUs, fps));
    const written: string[] = [];
    try {
      await ffmpeg.writeFile(inputName, raw);
      written.push(inputName, ...job.outputs);
      let code: number;
      try {
        code = await ffmpeg.exec(job.args);
      } catch (e) {
        dispose(); // a trap inside the wasm leaves ffmpeg unusable: reload next time
        throw crashed(e, logTail);
      }
      if (code !== 0) {
        throw appError(
          'encode-failed',
          `Encoding the ${what} failed (ffmpeg exit code ${code}). Export again; if it keeps failing, ` +
            'use fewer frames or a smaller size, and report the detail below.',
          logTail.join('\n'),
        );
      }
      const bytes = await readOutputs(ffmpeg, job.outputs, format, logTail);
      progress.finish();
      return { bytes, ...FORMAT_FILES[format], codec: job.codec, ms: performance.now() - t0 };
    } catch (e) {
      if (e instanceof AppErrorException) throw e;
      throw appError(
        'encode-failed',
        `Encoding the ${what} failed. Export again; if it keeps failing, reload the page.`,
        [errorText(e), ...logTail].join('\n'),
      );
    } finally {
      offLog();
      offProgress();
      await cleanup(ffmpeg, written);
    }
  }

  function queued(request: EncodeRequest, format: VideoFormat, onProgress: ProgressCallback): Promise<FfmpegOutput> {
    const run = queue.then(
      () => encodeOnce(request, format, onProgress),
      () => encodeOnce(request, format, onProgress),
    );
    queue = run.catch(() => undefined);
    return run;
  }

  return {
    async encodeMp4(request, onProgress) {
      const out = await queued(request, 'mp4', onProgress);
      return { mp4: out.bytes, mimeType: 'video/mp4', ms: out.ms };
    },
    encodeFormat: queued,
    dispose,
  };
}

/** The output file's bytes, or every PNG zipped as frame-0001.png ...; an empty file is an error. */
async function readOutputs(ffmpeg: FfmpegBackend, outputs: string[], format: VideoFormat, logTail: string[]): Promise<Uint8Array> {
  const files: Uint8Array[] = [];
  for (const name of outputs) {
    const data = await ffmpeg.readFile(name);
    if (data.byteLength === 0) {
      throw appError('encode-failed', `The encoder wrote an empty file (${name}). Export again.`, logTail.join('\n'));
    }
    files.push(data);
  }
  if (format !== 'png-zip') return files[0];
  const digits = Math.max(4, String(files.length).length);
  return zipStore(files.map((data, i) => ({ name: `frame-${String(i + 1).padStart(digits, '0')}.png`, data })));
}

/** Deletes the run's files from ffmpeg's in-memory FS; a missing file is not an error. */
async function cleanup(ffmpeg: FfmpegBackend, paths: string[]): Promise<void> {
  for (const path of paths) {
    try {
      await ffmpeg.deleteFile(path);
    } catch {
      // already gone (ffmpeg failed before writing it) or the worker was terminated
    }
  }
}

function crashed(e: unknown, logTail: string[]): AppErrorException {
  const text = errorText(e);
  const detail = [text, ...logTail].join('\n');
  if (/out of memory|Cannot enlarge memory|Aborted\(OOM\)|allocation failed/i.test(text)) {
    return appError(
      'encode-failed',
      'The encoder ran out of memory. Export fewer frames or a smaller size, or close other tabs, then try again.',
      detail,
    );
  }
  return appError('encode-failed', 'The encoder crashed. Export again; it restarts by itself.', detail);
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === 'string' ? e : JSON.stringify(e) ?? String(e);
}
