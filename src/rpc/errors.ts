/**
 * Errors that cross a worker boundary. Class identity does not survive postMessage; a stable
 * `code` and a message that tells the user what to do do.
 */
export type ErrorCode =
  | 'webgpu-unavailable'
  | 'out-of-memory'
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

/** Whether an error text (onnxruntime, WebGPU, wasm) means memory ran out. */
export function looksOutOfMemory(text: string): boolean {
  return /out of memory|\bOOM\b|allocation failed|Failed to allocate|exceeds the max/i.test(text);
}

/** Normalise anything thrown into plain AppError data (safe to postMessage). */
export function toAppError(e: unknown, fallback: ErrorCode = 'internal'): AppError {
  if (e instanceof AppErrorException) return e.appError;
  if (isAppError(e)) return { code: e.code, message: e.message, detail: e.detail };
  const text = e instanceof Error ? e.message : String(e);
  if (looksOutOfMemory(text)) {
    return {
      code: 'out-of-memory',
      message:
        'The GPU ran out of memory. Lower the width/height or the context frames, then generate again.',
      detail: text,
    };
  }
  if (/device (was )?lost|GPUDevice.*lost/i.test(text)) {
    return {
      code: 'webgpu-unavailable',
      message: 'The GPU device was lost. Reload the page; if it happens again, close other GPU-heavy tabs.',
      detail: text,
    };
  }
  return {
    code: fallback,
    message:
      fallback === 'internal'
        ? 'Something went wrong inside the app. Your settings are kept; try again, and if it repeats, report the detail below.'
        : text,
    detail: text,
  };
}
