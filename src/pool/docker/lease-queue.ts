/** One lease request waiting for a container. */
export interface Waiter<T> {
  userId: string;
  enqueuedAt: number;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/**
 * A bounded FIFO of lease requests with a deadline each. The pool hands waiters containers in
 * order; a waiter whose deadline passes or whose signal aborts leaves the queue with an error.
 */
export class LeaseQueue<T> {
  private readonly waiters: (Waiter<T> & { cleanup(): void })[] = [];

  constructor(private readonly max: number) {}

  get length(): number {
    return this.waiters.length;
  }

  get full(): boolean {
    return this.waiters.length >= this.max;
  }

  /** Users waiting, in order. */
  users(): string[] {
    return this.waiters.map((w) => w.userId);
  }

  enqueue(userId: string, opts: { timeoutMs: number; signal?: AbortSignal; onTimeout(): unknown }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const w = {
        userId,
        enqueuedAt: performance.now(),
        resolve: (v: T) => {
          w.cleanup();
          resolve(v);
        },
        reject: (e: unknown) => {
          w.cleanup();
          reject(e);
        },
        cleanup: () => {
          clearTimeout(timer);
          opts.signal?.removeEventListener('abort', onAbort);
          const i = this.waiters.indexOf(w);
          if (i >= 0) this.waiters.splice(i, 1);
        },
      };
      const onAbort = () => w.reject(opts.signal?.reason ?? new Error('aborted'));
      const timer = setTimeout(() => w.reject(opts.onTimeout()), opts.timeoutMs);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(w);
    });
  }

  /** Hands the first waiter `take(userId)` can serve its value; returns whether one was served. */
  serveNext(take: (userId: string) => T | undefined): boolean {
    for (const w of this.waiters) {
      const v = take(w.userId);
      if (v !== undefined) {
        w.resolve(v);
        return true;
      }
    }
    return false;
  }

  rejectAll(error: () => unknown): void {
    for (const w of [...this.waiters]) w.reject(error());
  }
}
