/**
 * Why no model container can start (image or chat model missing, network unusable) and when to
 * check again: after the first delay, then every twice that. Leases fail fast with the reason
 * meanwhile; the first start that works clears it, so no restart is needed after the fix.
 */
export class StartBlock {
  reason: string | undefined;
  private retries = 0;
  private retryAt = 0;
  private retrying = false;

  constructor(private readonly firstDelayMs: number) {}

  /** Several failures of one attempt (parallel starts) schedule one retry. */
  set(reason: string): void {
    this.reason = reason;
    if (Date.now() < this.retryAt) return;
    this.retryAt = Date.now() + Math.min(2 * this.firstDelayMs, this.firstDelayMs * 2 ** this.retries);
    this.retries++;
  }

  /** Returns whether there was a block to lift. */
  clear(): boolean {
    const was = this.reason !== undefined;
    this.reason = undefined;
    this.retries = 0;
    this.retryAt = 0;
    return was;
  }

  /** Runs `attempt` if blocked and a retry is due, one at a time; returns its promise (or undefined). */
  retryIfDue(attempt: () => Promise<void>): Promise<void> | undefined {
    if (this.reason === undefined || this.retrying || Date.now() < this.retryAt) return undefined;
    this.retrying = true;
    return attempt().finally(() => (this.retrying = false));
  }
}
