import { cancelled } from './query-errors.js';

/**
 * A counting semaphore with a FIFO queue: `capacity` holders at once, the rest wait in arrival order.
 * A waiter whose signal aborts leaves the queue without ever running (query.cancelled). One slot is
 * the embedded database's session lock; a few are a tenant's query slots.
 */
export class Semaphore {
  private holders = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly capacity: number) {}

  /** Callers waiting for a slot. */
  get queued(): number {
    return this.waiters.length;
  }

  /** Callers holding a slot. */
  get held(): number {
    return this.holders;
  }

  /** Run fn holding a slot, waiting for one if need be. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** Take a slot (resolves when taken); pair with release(). */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(cancelled());
    if (this.holders < this.capacity) {
      this.holders++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        this.holders++;
        resolve();
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(grant);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(cancelled());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(grant);
    });
  }

  release(): void {
    this.holders--;
    this.waiters.shift()?.();
  }
}
