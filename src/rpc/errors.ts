/**
 * Errors that cross a worker boundary. Class identity does not survive postMessage; a stable
 * `code` and a message that tells the user what to do do.
 */

import type { RunCheckpoint } from './generatorApi';
export type ErrorCode =
  | 'webgpu-unavailable'
  | 'out-of-memory'
  | 'device-lost'
  | 'bad-image'
  | 'bad-input'
  | 'pack-missing'
  | 'pack-corrupt'
  | 'pack-incompatible'
  | 'download-failed'
  | 'storage-full'
  | 'model-load-failed'
  | 'inference-failed'
  | 'encode-failed'
  | 'cancelled'
  | 'internal';

export interface AppError {
  code: ErrorCode;
  /** What happened and what to do, in words a user understands. */
  message: string;
  /** Technical detail (original error text) for the log / bug report. */
  detail?: string;
  /** 'device-lost' in the middle of a run: where to resume it (GenerateRequest.resume). */
  resume?: RunCheckpoint;
}

/** An Error that carries an AppError; thrown inside workers, converted with `toAppError`. */
export class AppErrorException extends Error {
  readonly appError: AppError;
  constructor(appError: AppError) {
    super(appError.message);
    this.name = 'AppErrorException';
    this.appError = appError;
  }
}

export function appError(code: ErrorCode, message: string, detail?: string): AppErrorException {
  return new AppErrorException({ code, message, detail });
}

export function isAppError(x: unknown): x is AppError {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as AppError).code === 'string' &&
    typeof (x as AppError).message === 'string'
  );
}

/** Whether `e` is our out-of-memory error (a step or a decode call retried with a smaller plan). */
export const isOutOfMemory = (e: unknown): boolean => e instanceof AppErrorException && e.appError.code === 'out-of-memory';

/** Whether an error text (onnxruntime, WebGPU, wasm) means memory ran out. */
export function looksOutOfMemory(text: string): boolean {
  return /out of memory|\bOOM\b|allocation failed|Failed to allocate|exceeds the max/i.test(text);
}

/** Whether an error text (onnxruntime, WebGPU) means the GPU device was lost. */
export function looksDeviceLost(text: string): boolean {
  return /device (was |is )?lost|GPUDevice.*lost|lost (the )?device/i.test(text);
}

/** The 'device-lost' error; with `resume` the generator client restarts the worker and resumes the run. */
export function deviceLost(detail: string, resume?: RunCheckpoint): AppError {
  return {
    code: 'device-lost',
    message: 'The GPU device was lost (driver reset, GPU removed or reclaimed by the browser). Press Generate to try again; if it keeps happening, close other GPU-heavy tabs or choose the wasm backend.',
    detail,
    ...(resume ? { resume } : {}),
  };
}

/** Normalise anything thrown into plain AppError data (safe to postMessage). */
export function toAppError(e: unknown, fallback: ErrorCode = 'internal'): AppError {
  if (e instanceof AppErrorException) return e.appError;
  if (isAppError(e)) return { code: e.code, message: e.message, detail: e.detail, ...(e.resume ? { resume: e.resume } : {}) };
  const text = e instanceof Error ? e.message : String(e);
  if (looksOutOfMemory(text)) {
    return {
      code: 'out-of-memory',
      message:
        'The GPU ran out of memory. Lower the width/height or the context frames, then generate again.',
      detail: text,
    };
  }
  if (looksDeviceLost(text)) return deviceLost(text);
  return {
    code: fallback,
    message:
      fallback === 'internal'
        ? 'Something went wrong inside the app. Your settings are kept; try again, and if it repeats, report the detail below.'
        : text,
    detail: text,
  };
}
