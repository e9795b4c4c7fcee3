/**
 * Counts failures per key in a sliding window (in memory: one gateway process). A key with
 * `max` failures inside `windowMs` is blocked until the oldest of them leaves the window.
 */
export class FailureLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `key` may try again, or 0 when it is not blocked. */
  retryAfter(key: string): number {
    const list = this.prune(key);
    if (list.length < this.max) return 0;
    return Math.ceil((list[0] + this.windowMs - this.now()) / 1000);
  }

  fail(key: string): void {
    const list = this.prune(key);
    list.push(this.now());
    this.hits.set(key, list);
    if (this.hits.size > 100_000) this.sweep();
  }

  reset(key: string): void {
    this.hits.delete(key);
  }

  private prune(key: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const list = (this.hits.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) this.hits.set(key, list);
    else this.hits.delete(key);
    return list;
  }

  private sweep(): void {
    for (const key of [...this.hits.keys()]) this.prune(key);
  }
}

/**
 * Exponential back-off per key: the first `free` failures cost nothing; from then on each try
 * waits `baseMs`, then twice that after the next failure, and so on up to `maxMs`. A key's
 * failures are forgotten `memoryMs` after its last one. Unlike a hard lock after N failures,
 * an attacker gets few guesses (about one per `maxMs` once at the cap) while a person who
 * mistyped waits seconds, and nobody can lock the owner out for long by failing on purpose.
 */
export class BackoffLimiter {
  private readonly state = new Map<string, { failures: number; last: number }>();

  constructor(
    private readonly opts: { free: number; baseMs: number; maxMs: number; memoryMs: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `key` may try again, or 0. */
  retryAfter(key: string): number {
    const s = this.live(key);
    if (!s || s.failures < this.opts.free) return 0;
    const delay = Math.min(this.opts.maxMs, this.opts.baseMs * 2 ** Math.min(s.failures - this.opts.free, 40));
    const wait = s.last + delay - this.now();
    return wait > 0 ? Math.ceil(wait / 1000) : 0;
  }

  fail(key: string): void {
    const failures = (this.live(key)?.failures ?? 0) + 1;
    this.state.set(key, { failures, last: this.now() });
    if (this.state.size > 100_000) for (const k of [...this.state.keys()]) this.live(k);
  }

  reset(key: string): void {
    this.state.delete(key);
  }

  private live(key: string) {
    const s = this.state.get(key);
    if (s && this.now() - s.last > this.opts.memoryMs) {
      this.state.delete(key);
      return undefined;
    }
    return s;
  }
}
