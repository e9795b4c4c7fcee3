import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { PoolUnavailableError, type ModelLease, type ModelPool, type PoolHealth } from './model-pool.ts';
import { OllamaLease } from './ollama-lease.ts';
import type { PoolMetrics } from './pool-metrics.ts';
import { fetchModelNames, modelPresent } from './model-tags.ts';

export interface ExternalModelPoolOptions {
  /** OLLAMA_URL: one fixed server, shared by every user and every request (not ephemeral). */
  url: string;
  chatModel: string;
  embedModel: string;
  idleTimeoutMs: number;
  /** NUM_CTX: options.num_ctx of calls that bring none (embeddings). */
  numCtx: number;
  log: Logger;
  metrics?: PoolMetrics;
}

/**
 * The `external` backend: every lease talks to one fixed Ollama server. Nothing is isolated or
 * destroyed between users, which is why health reports it as not ephemeral.
 */
export class ExternalModelPool implements ModelPool {
  readonly backend = 'external' as const;
  private busy = 0;
  private closed = false;
  private readonly host: string;

  constructor(private readonly opts: ExternalModelPoolOptions) {
    this.host = opts.url.replace(/\/+$/, '');
  }

  async start(): Promise<void> {
    // Nothing to start; health tells whether the server answers.
  }

  async lease(userId: string, opts: { signal?: AbortSignal } = {}): Promise<ModelLease> {
    if (this.closed) throw new PoolUnavailableError('The model pool is shutting down.');
    opts.signal?.throwIfAborted();
    const started = performance.now();
    this.busy++;
    let done = false;
    const lease = new OllamaLease(randomUUID(), userId, {
      host: this.host,
      idleTimeoutMs: this.opts.idleTimeoutMs,
      numCtx: this.opts.numCtx,
      onRelease: async (outcome) => {
        if (done) return;
        done = true;
        this.busy--;
        if (outcome === 'failed') this.opts.metrics?.failures.inc({ reason: 'external_call' });
      },
    });
    this.opts.metrics?.leaseWait.observe({ backend: 'external' }, (performance.now() - started) / 1000);
    return lease;
  }

  async health(): Promise<PoolHealth> {
    const base: PoolHealth = {
      ok: false,
      backend: 'external',
      ephemeral: false,
      warm: 0,
      busy: this.busy,
      starting: 0,
      queued: 0,
      chatModel: { name: this.opts.chatModel, present: null },
      embedModel: { name: this.opts.embedModel, present: null },
    };
    try {
      const names = await fetchModelNames(this.host, 2500);
      const chat = modelPresent(names, this.opts.chatModel);
      const embed = modelPresent(names, this.opts.embedModel);
      const missing = [!chat && this.opts.chatModel, !embed && this.opts.embedModel].filter(Boolean);
      return {
        ...base,
        ok: chat && embed,
        warm: 1,
        chatModel: { name: this.opts.chatModel, present: chat },
        embedModel: { name: this.opts.embedModel, present: embed },
        detail: missing.length
          ? `external Ollama answers but lacks ${missing.join(', ')} (pull it there)`
          : 'external Ollama server: not ephemeral, it may keep data between requests and users',
      };
    } catch (e) {
      return { ...base, detail: `external Ollama server does not answer (${(e as Error).message})` };
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
