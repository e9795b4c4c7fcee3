/**
 * Keeps the pool's own Docker work (creating and starting replacements, removing retired
 * containers) out of the stretch users wait on: from a lease until its first chat token.
 *
 * Why: that work is a burst of CPU for the Docker engine, the kernel (namespaces, network) and the
 * new container's boot, and the pool used to set it off at exactly the wrong moment — a start as a
 * lease takes a warm container, a removal as the lease before it ends, i.e. just as the next
 * request begins. Measured with rotation every 10 requests, the first request on each freshly used
 * container then waited about twice as long for its first token. Deferred to a quiet moment, the
 * same work overlaps token streaming (where a few ms do not show) or idle time instead.
 *
 * A quiet moment is: no lease awaiting its first token, and either one just got it or no lease
 * was handed out or released for `idleMs`. Never later than `maxDelayMs`, so rotation and
 * removal (a retired container still holds a user's data in memory) are bounded.
 */
export class QuietGate {
  private awaiting = 0;
  private lastActivity = -Infinity;
  private waiters = new Set<() => void>();
  private idleTimer: NodeJS.Timeout | undefined;
  private opened = false;

  constructor(
    private readonly o: { idleMs: number; maxDelayMs: number },
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A lease was handed out. Call the returned function at its first token, or when it ends without one; extra calls are ignored. */
  leased(): () => void {
    this.awaiting++;
    this.touch();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.awaiting--;
      this.touch();
      // The request just got going: the best moment for background work. Not synchronously, though:
      // the token goes on to the user first (the Docker calls' own setup would otherwise delay it).
      if (this.awaiting === 0) setImmediate(() => this.awaiting === 0 && this.flush());
    };
  }

  /** A lease ended: its user may well send the next request soon. */
  released(): void {
    this.touch();
  }

  /** Resolves at the next quiet moment (at once if it is one now), at most `maxDelayMs` from now. */
  wait(): Promise<void> {
    if (this.opened || this.o.maxDelayMs <= 0 || this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.o.maxDelayMs);
      timer.unref?.();
      this.waiters.add(done);
      this.armIdle();
    });
  }

  /** Lets everything held back go now (someone queues for a container: held work is what they wait on). */
  hurry(): void {
    this.flush();
  }

  /** From now on nothing waits (the pool is closing). */
  open(): void {
    this.opened = true;
    this.flush();
  }

  private isIdle(): boolean {
    return this.awaiting === 0 && this.now() - this.lastActivity >= this.o.idleMs;
  }

  private touch(): void {
    this.lastActivity = this.now();
    if (this.waiters.size) this.armIdle();
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    if (this.awaiting > 0) return; // the first token will flush
    const left = Math.max(0, this.lastActivity + this.o.idleMs - this.now());
    this.idleTimer = setTimeout(() => {
      if (this.isIdle()) this.flush();
      else this.armIdle();
    }, left);
    this.idleTimer.unref?.();
  }

  private flush(): void {
    clearTimeout(this.idleTimer);
    for (const w of [...this.waiters]) w();
  }
}
