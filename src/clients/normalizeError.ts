import { isAppError, toAppError, type AppError, type ErrorCode } from '../rpc/errors';

/** Every code the contract knows; anything else is treated as "no code". */
const KNOWN_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'webgpu-unavailable',
  'out-of-memory',
  'device-lost',
  'bad-image',
  'bad-input',
  'pack-missing',
  'pack-corrupt',
  'pack-incompatible',
  'download-failed',
  'storage-full',
  'model-load-failed',
  'inference-failed',
  'encode-failed',
  'cancelled',
  'internal',
]);

function knownAppError(x: unknown): AppError | null {
  if (!isAppError(x) || !KNOWN_CODES.has(x.code)) return null;
  const { detail, resume } = x as AppError;
  return { code: x.code, message: x.message, ...(typeof detail === 'string' ? { detail } : {}), ...(resume ? { resume } : {}) };
}

/**
 * Turn whatever comlink rethrows on the main thread into plain AppError data.
 *
 * Comlink serialises a thrown `Error` as `{message, name, stack}` only, so an `AppErrorException`
 * thrown in a worker arrives as a bare `Error` and its `appError` field is lost. Workers therefore
 * either throw the plain AppError object (comlink rethrows it as is) or put JSON in the message.
 * We accept, in order:
 *   1. a plain object `{code, message, detail?}` with a known code,
 *   2. an Error carrying `appError` (same realm, or a custom transfer handler),
 *   3. an Error whose message is JSON `{"code": ..., "message": ...}`,
 *   4. anything else, through `toAppError(e, fallback)` (out-of-memory / device-lost sniffing).
 *
 * Example: `new Error('{"code":"pack-corrupt","message":"Re-download the pack."}')`
 *   → `{ code: 'pack-corrupt', message: 'Re-download the pack.' }`.
 */
export function normalizeWorkerError(e: unknown, fallback: ErrorCode = 'internal'): AppError {
  const plain = knownAppError(e);
  if (plain && !(e instanceof Error)) return plain;
  if (e instanceof Error) {
    const carried = knownAppError((e as Error & { appError?: unknown }).appError);
    if (carried) return carried;
    const text = e.message.trim();
    if (text.startsWith('{')) {
      try {
        const parsed = knownAppError(JSON.parse(text));
        if (parsed) return parsed;
      } catch {
        // not JSON: fall through
      }
    }
    // An Error with a string `code` property from our own contract (same-realm throw).
    if (plain) return plain;
  }
  // toAppError trusts any string `code`; strip unknown ones so the fallback code applies.
  if (e instanceof Error || isAppError(e)) return toAppError(new Error((e as { message: string }).message), fallback);
  return toAppError(e, fallback);
}

export const CANCELLED: AppError = { code: 'cancelled', message: 'Generation was cancelled.' };
