import { Ollama } from 'ollama';
import { httpFetch } from './http-fetch.ts';
import { ModelStreamError, type ChatChunk, type ChatRequest, type LeaseOutcome, type ModelLease } from './model-pool.ts';

export type { LeaseOutcome } from './model-pool.ts';

export interface OllamaLeaseOptions {
  /** Base URL of the Ollama server this lease talks to (container address or OLLAMA_URL). */
  host: string;
  /** A stream (or an embed call) that stays silent this long is treated as a hung model. */
  idleTimeoutMs: number;
  /** Sent as keep_alive so the model stays loaded for the container's life. */
  keepAlive?: string;
  /**
   * options.num_ctx of every call that does not bring its own (embeddings, above all): without it
   * Ollama falls back to its default context and silently truncates longer input.
   */
  numCtx: number;
  /** Called once, with the worse of the caller's outcome and what the lease observed. */
  onRelease(outcome: LeaseOutcome): Promise<void>;
  /** Called when a chat stream yields its first chunk (the pool defers its own work until then). */
  onFirstToken?(): void;
}

class IdleTimeout extends Error {}

/**
 * A lease on one Ollama server through the official `ollama` client: one client per call so
 * `abort()` stops exactly this stream, `options.num_ctx` always set, `{"error"}` lines and
 * broken or silent streams surfaced as ModelStreamError and remembered as a failure.
 */
export class OllamaLease implements ModelLease {
  private failed = false;
  private released = false;
  private killReason: string | undefined;
  private readonly active = new Set<AbortController>();

  constructor(
    readonly id: string,
    readonly userId: string,
    private readonly opts: OllamaLeaseOptions,
  ) {}

  /** True once a call on this lease broke in a way that makes its server suspect. */
  get hasFailed(): boolean {
    return this.failed;
  }

  /** Ends any call in flight with a ModelStreamError (the container died or is being removed). */
  kill(reason: string): void {
    this.killReason = reason;
    this.failed = true;
    for (const c of this.active) c.abort(new ModelStreamError(reason));
  }

  async *chat(req: ChatRequest): AsyncIterable<ChatChunk> {
    const call = this.begin(req.signal);
    try {
      const stream = await this.guard(call, () =>
        call.client.chat({
          model: req.model,
          messages: req.messages,
          stream: true,
          keep_alive: this.opts.keepAlive,
          options: { num_ctx: req.numCtx || this.opts.numCtx, ...(req.temperature !== undefined ? { temperature: req.temperature } : {}) },
        }),
      );
      const it = stream[Symbol.asyncIterator]();
      for (let first = true; ; first = false) {
        const step = await this.guard(call, () => it.next());
        if (first) this.opts.onFirstToken?.();
        if (step.done) return;
        const part = step.value;
        if (part.done) {
          yield {
            text: part.message?.content ?? '',
            done: true,
            usage: {
              promptTokens: part.prompt_eval_count ?? 0,
              completionTokens: part.eval_count ?? 0,
              totalDurationMs: Math.round((part.total_duration ?? 0) / 1e6),
            },
          };
          return;
        }
        yield { text: part.message?.content ?? '', done: false };
      }
    } finally {
      this.end(call);
    }
  }

  async embed(req: { model: string; input: string[]; signal?: AbortSignal; numCtx?: number }): Promise<number[][]> {
    const call = this.begin(req.signal);
    try {
      const res = await this.guard(call, () =>
        call.client.embed({
          model: req.model,
          input: req.input,
          keep_alive: this.opts.keepAlive,
          options: { num_ctx: req.numCtx || this.opts.numCtx },
        }),
      );
      return res.embeddings;
    } finally {
      this.end(call);
    }
  }

  async release(outcome: LeaseOutcome = 'ok'): Promise<void> {
    if (this.released) return;
    this.released = true;
    for (const c of this.active) c.abort(new ModelStreamError('The lease was released.'));
    await this.opts.onRelease(this.failed || outcome === 'failed' ? 'failed' : outcome);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }

  private begin(signal?: AbortSignal) {
    if (this.released) throw new ModelStreamError('This model lease was already released.');
    if (this.killReason) throw new ModelStreamError(this.killReason);
    const local = new AbortController();
    const onAbort = () => local.abort(signal?.reason);
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.active.add(local);
    // One rejection per call (not per step) so long streams do not pile up abort listeners.
    const aborted = new Promise<never>((_, reject) => {
      local.signal.addEventListener('abort', () => reject(local.signal.reason), { once: true });
    });
    aborted.catch(() => undefined);
    // Every request of this client carries our signal, so aborting it stops the HTTP call too.
    const client = new Ollama({ host: this.opts.host, fetch: (input, init) => httpFetch(input, { ...init, signals: [local.signal] }) });
    return { client, local, signal, onAbort, aborted };
  }

  private end(call: ReturnType<OllamaLease['begin']>): void {
    call.signal?.removeEventListener('abort', call.onAbort);
    call.client.abort();
    if (!call.local.signal.aborted) call.local.abort();
    this.active.delete(call.local);
  }

  /** Runs one step with the idle timeout; maps whatever went wrong to the caller's error. */
  private async guard<T>(call: ReturnType<OllamaLease['begin']>, step: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new IdleTimeout()), this.opts.idleTimeoutMs);
      timer.unref?.();
    });
    try {
      if (call.local.signal.aborted) throw call.local.signal.reason;
      return await Promise.race([step(), idle, call.aborted]);
    } catch (e) {
      throw this.translate(e, call);
    } finally {
      clearTimeout(timer);
    }
  }

  private translate(e: unknown, call: ReturnType<OllamaLease['begin']>): unknown {
    // The caller went away: not the model's fault, pass the caller's own reason back.
    if (call.signal?.aborted) return call.signal.reason ?? e;
    if (this.killReason) return new ModelStreamError(this.killReason);
    if (e instanceof ModelStreamError) return e;
    this.failed = true;
    if (e instanceof IdleTimeout) {
      call.client.abort();
      return new ModelStreamError('The model stopped responding.');
    }
    const err = e as { name?: string; message?: string; status_code?: number };
    if (err?.name === 'ResponseError' && typeof err.status_code === 'number' && err.status_code < 500) {
      // A 4xx (e.g. unknown model) says nothing bad about the container itself.
      this.failed = false;
      return new ModelStreamError(`The model server refused the request: ${String(err.message).slice(0, 200)}`);
    }
    if (err?.name === 'TypeError' || err?.name === 'AbortError') {
      return new ModelStreamError('The model container is unreachable or closed the connection.');
    }
    return new ModelStreamError(`The model failed: ${String(err?.message ?? e).slice(0, 200)}`);
  }
}
