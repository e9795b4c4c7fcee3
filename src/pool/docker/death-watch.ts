import type { Logger } from 'pino';
import type { ModelEngine } from './model-engine.ts';

/**
 * Keeps a subscription to the engine's die/oom events of this process's containers. The events
 * stream can end while the engine stays up (a proxy or socket drop, a daemon hiccup); it is then
 * subscribed again with backoff, and `reconcile` runs once the new stream is open, so a container
 * that died in the gap is still found (by listing what runs) instead of waiting for a user.
 */
export class DeathWatch {
  private unsubscribe: (() => void) | undefined;
  /** Identifies the current subscription, so a late end of an old stream changes nothing. */
  private current: object | undefined;
  private timer: NodeJS.Timeout | undefined;
  private active = false;
  private failures = 0;
  private subscribedAt = 0;

  constructor(
    private readonly engine: ModelEngine,
    private readonly hooks: {
      onDeath(containerId: string): void;
      /** The stream ended: the pool checks whether the engine itself is gone. */
      onStreamEnd(): void;
      /** Subscribed again after a gap: retire whatever died meanwhile. */
      reconcile(): Promise<void>;
    },
    private readonly log: Logger,
    private readonly baseDelayMs = 500,
  ) {}

  get watching(): boolean {
    return this.active;
  }

  /** Subscribes now; throws when the engine refuses (the caller decides what that means). */
  async start(): Promise<void> {
    this.stop();
    this.active = true;
    await this.subscribe();
  }

  stop(): void {
    this.active = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.current = undefined;
    const u = this.unsubscribe;
    this.unsubscribe = undefined;
    u?.();
  }

  private async subscribe(): Promise<void> {
    const token = {};
    this.current = token;
    this.subscribedAt = Date.now();
    const u = await this.engine.watchDeaths(
      (id) => this.hooks.onDeath(id),
      () => this.onEnd(token),
    );
    if (!this.active || this.current !== token) return u();
    this.unsubscribe = u;
  }

  private onEnd(token: object): void {
    if (!this.active || token !== this.current) return;
    this.current = undefined;
    this.unsubscribe = undefined;
    // A stream that ends soon after opening keeps ending: back off; one that lived resets it.
    this.failures = Date.now() - this.subscribedAt < 10_000 ? this.failures + 1 : 0;
    this.log.warn({ failures: this.failures }, 'the Docker events stream ended; subscribing again');
    this.hooks.onStreamEnd();
    this.retryLater();
  }

  private retryLater(): void {
    clearTimeout(this.timer);
    const delay = Math.min(30_000, this.baseDelayMs * 2 ** this.failures);
    this.timer = setTimeout(() => void this.resubscribe(), delay);
    this.timer.unref();
  }

  private async resubscribe(): Promise<void> {
    if (!this.active) return;
    try {
      await this.subscribe();
      if (!this.active) return;
      await this.hooks.reconcile();
    } catch (e) {
      if (!this.active) return;
      this.failures++;
      this.log.warn({ err: (e as Error).message, failures: this.failures }, 'subscribing to Docker events failed; retrying');
      this.retryLater();
    }
  }
}
