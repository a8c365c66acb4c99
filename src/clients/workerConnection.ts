import * as Comlink from 'comlink';
import type { AppError, ErrorCode } from '../rpc/errors';
import { CANCELLED, normalizeWorkerError } from './normalizeError';

/** The part of `Worker` we use: a comlink endpoint that can be terminated. */
export interface WorkerLike extends Comlink.Endpoint {
  terminate(): void;
}

interface Pending {
  reject: (error: AppError) => void;
}

/**
 * One lazily started worker wrapped with comlink.
 *
 * - The worker is created on the first `call`, not on import.
 * - `terminate(reason)` kills it at once and rejects every pending call with `reason`
 *   (a terminated worker never answers, so comlink's promises would otherwise hang forever).
 *   The next `call` starts a fresh worker.
 * - A worker `error` event (script failed to load, uncaught error) tears the worker down too and
 *   rejects the pending calls: its state is unknown after that.
 * - Errors are normalised to AppError data with `normalizeWorkerError`.
 */
export class WorkerConnection<T> {
  private worker: WorkerLike | null = null;
  private remote: Comlink.Remote<T> | null = null;
  private readonly pending = new Set<Pending>();
  private readonly teardownListeners = new Set<() => void>();

  constructor(
    private readonly spawn: () => WorkerLike,
    private readonly label: string,
  ) {}

  get started(): boolean {
    return this.worker !== null;
  }

  get busy(): boolean {
    return this.pending.size > 0;
  }

  /** Called whenever the worker is torn down (abort, crash); used to drop caches. */
  onTeardown(listener: () => void): () => void {
    this.teardownListeners.add(listener);
    return () => this.teardownListeners.delete(listener);
  }

  call<R>(fn: (api: Comlink.Remote<T>) => Promise<R>, fallback: ErrorCode = 'internal'): Promise<R> {
    let api: Comlink.Remote<T>;
    try {
      api = this.ensureStarted();
    } catch (e) {
      return Promise.reject(normalizeWorkerError(e, fallback));
    }
    return new Promise<R>((resolve, reject) => {
      let settled = false;
      const entry: Pending = {
        reject: (error) => {
          if (settled) return;
          settled = true;
          this.pending.delete(entry);
          reject(error);
        },
      };
      this.pending.add(entry);
      fn(api).then(
        (value) => {
          if (settled) return;
          settled = true;
          this.pending.delete(entry);
          resolve(value);
        },
        (e: unknown) => entry.reject(normalizeWorkerError(e, fallback)),
      );
    });
  }

  /** Kill the worker now; pending calls reject with `reason`. Returns whether a worker was running. */
  terminate(reason: AppError = CANCELLED): boolean {
    const worker = this.worker;
    if (!worker) return false;
    this.worker = null;
    this.remote = null; // no releaseProxy: a terminated worker never answers the RELEASE message
    worker.removeEventListener('error', this.onError);
    worker.removeEventListener('messageerror', this.onError);
    worker.terminate();
    for (const p of [...this.pending]) p.reject(reason);
    for (const listener of this.teardownListeners) listener();
    return true;
  }

  private ensureStarted(): Comlink.Remote<T> {
    if (this.worker && this.remote) return this.remote;
    const worker = this.spawn();
    worker.addEventListener('error', this.onError);
    worker.addEventListener('messageerror', this.onError);
    this.worker = worker;
    this.remote = Comlink.wrap<T>(worker);
    return this.remote;
  }

  private readonly onError = (event: Event): void => {
    const text = (event as ErrorEvent).message || '';
    this.terminate({
      code: 'internal',
      message: `The ${this.label} stopped unexpectedly. Your inputs are kept; press Generate to try again (it restarts).`,
      detail: text || `${event.type} event from the ${this.label}`,
    });
  };
}

/** ArrayBuffers behind a list of views, each once (transferring one twice throws). */
export function transferablesOf(views: ArrayBufferView[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const v of views) {
    if (v.buffer instanceof ArrayBuffer && v.buffer.byteLength > 0) out.add(v.buffer);
  }
  return [...out];
}
