/**
 * EncoderApi implemented with ffmpeg.wasm (single-thread core, self-hosted).
 *
 * The core (ffmpeg-core.js + the 32 MB ffmpeg-core.wasm) is bundled by Vite as hashed assets via
 * `?url` imports and handed to `ffmpeg.load`: nothing is fetched from a CDN, so export works
 * offline once the app is cached. `@ffmpeg/ffmpeg`'s class starts its own module worker; this
 * code usually runs inside our encoder worker, so that worker is nested (supported by Chromium,
 * Firefox and Safari).
 *
 * One run: validate -> write frames.rgba -> exec (H.264 yuv420p, see ffmpegArgs.ts) -> read
 * out.mp4 -> delete both files. Runs are queued (ffmpeg executes one command at a time). The
 * core loads on the first run and is reused; after a crash (wasm trap) it is thrown away and
 * reloaded next time.
 *
 * The ffmpeg core is GPL-2.0-or-later; @ffmpeg/ffmpeg is MIT.
 */
import coreURL from '@ffmpeg/core?url';
import wasmURL from '@ffmpeg/core/wasm?url';
import type { EncodeRequest, EncodeResult, EncoderApi } from '../rpc/encoderApi';
import { AppErrorException, appError } from '../rpc/errors';
import type { ProgressCallback } from '../rpc/progress';
import { EncodeSpecError, buildMp4Args, type Mp4EncodeOptions } from './ffmpegArgs';
import { FrameProgress } from './ffmpegProgress';
import { concatFrames } from './rawFrames';

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

export interface FfmpegEncoder extends EncoderApi {
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

  async function encodeOnce(request: EncodeRequest, onProgress: ProgressCallback): Promise<EncodeResult> {
    const t0 = performance.now();
    const { frames, width, height, fps } = request;
    const id = ++runId;
    const inputName = `frames-${id}.rgba`;
    const outputName = `out-${id}.mp4`;
    let args: string[];
    let raw: Uint8Array;
    try {
      args = buildMp4Args({ width, height, fps }, { crf: options.crf, preset: options.preset, inputName, outputName });
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
      written.push(inputName, outputName);
      let code: number;
      try {
        code = await ffmpeg.exec(args);
      } catch (e) {
        dispose(); // a trap inside the wasm leaves ffmpeg unusable: reload next time
        throw crashed(e, logTail);
      }
      if (code !== 0) {
        throw appError(
          'encode-failed',
          `Encoding the MP4 failed (ffmpeg exit code ${code}). Export again; if it keeps failing, ` +
            'use fewer frames or a smaller size, and report the detail below.',
          logTail.join('\n'),
        );
      }
      const mp4 = await ffmpeg.readFile(outputName);
      if (mp4.byteLength === 0) {
        throw appError('encode-failed', 'The encoder wrote an empty file. Export again.', logTail.join('\n'));
      }
      progress.finish();
      return { mp4, mimeType: 'video/mp4', ms: performance.now() - t0 };
    } catch (e) {
      if (e instanceof AppErrorException) throw e;
      throw appError(
        'encode-failed',
        'Encoding the MP4 failed. Export again; if it keeps failing, reload the page.',
        [errorText(e), ...logTail].join('\n'),
      );
    } finally {
      offLog();
      offProgress();
      await cleanup(ffmpeg, written);
    }
  }

  return {
    encodeMp4(request, onProgress) {
      const run = queue.then(
        () => encodeOnce(request, onProgress),
        () => encodeOnce(request, onProgress),
      );
      queue = run.catch(() => undefined);
      return run;
    },
    dispose,
  };
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
