import { PoolUnavailableError, type ModelLease, type ModelPool, type PoolHealth } from './model-pool.ts';

/** The pool when neither a Docker engine nor OLLAMA_URL is available: health says so, leases fail. */
export class UnconfiguredModelPool implements ModelPool {
  readonly backend = 'external' as const;

  constructor(
    private readonly models: { chat: string; embed: string },
    private readonly detail = 'no model backend configured: start a Docker engine or set OLLAMA_URL',
  ) {}

  async start(): Promise<void> {}

  async lease(): Promise<ModelLease> {
    throw new PoolUnavailableError(`No model backend is configured (${this.detail}).`);
  }

  async health(): Promise<PoolHealth> {
    return {
      ok: false,
      backend: this.backend,
      ephemeral: false,
      warm: 0,
      busy: 0,
      starting: 0,
      queued: 0,
      chatModel: { name: this.models.chat, present: null },
      embedModel: { name: this.models.embed, present: null },
      detail: this.detail,
    };
  }

  async close(): Promise<void> {}
}
