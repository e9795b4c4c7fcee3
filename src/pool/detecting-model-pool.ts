import type { Logger } from 'pino';
import { PoolUnavailableError, type ModelLease, type ModelPool, type PoolHealth } from './model-pool.ts';

export interface DetectingPoolOptions {
  /** True when a Docker engine answers now (a ping with a generous timeout: the engine may be slow). */
  probe(): Promise<boolean>;
  /** Builds the docker pool once the engine answers (not started: this pool starts it). */
  makeDockerPool(): ModelPool;
  models: { chat: string; embed: string };
  log: Logger;
  /** First wait between probes, doubled after each miss up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * The pool while MODEL_BACKEND is unset and no Docker engine answered at start (not installed
 * yet, or too slow on a loaded machine): it keeps probing in the background, backing off, and
 * becomes the docker pool the moment the engine answers. Starting that pool reaps the
 * containers a previous process of the same POOL_INSTANCE left, so a crash is cleaned up
 * however late the engine shows up. Until then leases fail fast and health says why.
 */
export class DetectingModelPool implements ModelPool {
  private current: ModelPool | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private attempts = 0;
  private delayMs: number;
  private nextAt = 0;
  private switching: Promise<void> | undefined;

  constructor(private readonly opts: DetectingPoolOptions) {
    this.delayMs = opts.initialDelayMs ?? 1000;
  }

  get backend(): 'docker' | 'external' {
    return this.current?.backend ?? 'docker';
  }

  /** True once the engine answered and the docker pool took over. */
  get detected(): boolean {
    return this.current !== undefined;
  }

  async start(): Promise<void> {
    this.schedule();
  }

  async lease(userId: string, opts?: { signal?: AbortSignal }): Promise<ModelLease> {
    if (this.current) return this.current.lease(userId, opts);
    throw new PoolUnavailableError(`No model backend is configured yet (${this.detail()}).`);
  }

  async health(): Promise<PoolHealth & { engine?: 'down'; detection?: { attempts: number; nextProbeInS: number } }> {
    if (this.current) return this.current.health();
    return {
      ok: false,
      backend: 'docker',
      ephemeral: true,
      warm: 0,
      busy: 0,
      starting: 0,
      queued: 0,
      chatModel: { name: this.opts.models.chat, present: null },
      embedModel: { name: this.opts.models.embed, present: null },
      detail: this.detail(),
      engine: 'down',
      detection: { attempts: this.attempts, nextProbeInS: Math.max(0, Math.ceil((this.nextAt - Date.now()) / 1000)) },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.switching?.catch(() => undefined);
    await this.current?.close();
  }

  private detail(): string {
    return `no model backend configured: no Docker engine answers yet (looking again in the background, ${this.attempts} ${this.attempts === 1 ? 'try' : 'tries'} so far), and OLLAMA_URL is unset`;
  }

  private schedule(): void {
    if (this.closed || this.current) return;
    this.nextAt = Date.now() + this.delayMs;
    this.timer = setTimeout(() => void this.tryOnce(), this.delayMs);
    this.timer.unref();
    this.delayMs = Math.min(this.opts.maxDelayMs ?? 10_000, this.delayMs * 2);
  }

  private async tryOnce(): Promise<void> {
    this.attempts++;
    const up = await this.opts.probe().catch(() => false);
    if (this.closed) return;
    if (!up) return this.schedule();
    this.switching = this.switchToDocker();
    await this.switching;
  }

  private async switchToDocker(): Promise<void> {
    this.opts.log.info({ attempts: this.attempts }, 'a Docker engine answers now: switching to ephemeral Docker containers');
    const pool = this.opts.makeDockerPool();
    // Started before it is handed out: its start reaps the orphans of a previous process first.
    await pool.start();
    if (this.closed) return void (await pool.close());
    this.current = pool;
  }
}
