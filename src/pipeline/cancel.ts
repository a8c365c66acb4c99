/** Cancellation: every phase checks the AbortSignal between network calls. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}
