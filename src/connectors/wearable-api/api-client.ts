import { AppError } from '../../errors.ts';
import { abortableSleep } from '../../lib/sleep.ts';
import { withinDeadline } from '../../lib/deadline.ts';
import { waitFromHeaders } from './retry-after.ts';

export interface ApiClientOptions {
  signal?: AbortSignal;
  /** Longest single wait a rate limit may impose before the sync gives up (and resumes next time). */
  maxWaitMs?: number;
  maxAttempts?: number;
  /** Longest a single request may take (connect to last byte) before it is retried; a hung API cannot hold a job forever. */
  requestTimeoutMs?: number;
}

/** Server errors worth another try: the API or a proxy in front of it is briefly unwell. */
const TRANSIENT = new Set([500, 502, 504]);

/**
 * JSON GETs against a wearable API: bearer token, one forced refresh on 401, waits on 429/503
 * as `Retry-After` or the reset headers say (exponential backoff when they do not), retries
 * 500/502/504 and network failures with backoff, bounds every request by `requestTimeoutMs`
 * (combined with the job's signal), and gives up cleanly past `maxWaitMs` or `maxAttempts`.
 * Bodies are never logged or echoed (they are health data).
 */
export class ApiClient {
  rateLimitWaits = 0;
  requests = 0;
  /** Waits of any kind (rate limits, server errors, timeouts). */
  retries = 0;

  constructor(
    private readonly base: string,
    private readonly token: (force: boolean) => Promise<string>,
    private readonly opts: ApiClientOptions = {},
  ) {}

  async get<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T> {
    const url = new URL(path, this.base.endsWith('/') ? this.base : `${this.base}/`);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    const maxAttempts = this.opts.maxAttempts ?? 6;
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      const token = await this.token(false);
      this.requests++;
      let res: Response;
      let text: string;
      const timeoutMs = this.opts.requestTimeoutMs ?? 30_000;
      try {
        // The body is read under the same deadline: a server that stalls mid-answer is a failed
        // attempt too. The deadline is a timer of our own (Node 20's fetch can lose its signal).
        [res, text] = await withinDeadline(timeoutMs, this.opts.signal, async (signal) => {
          const r = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal });
          const body = r.ok ? await r.text() : '';
          if (!r.ok) await r.body?.cancel().catch(() => undefined);
          return [r, body] as const;
        });
      } catch (e) {
        if (this.opts.signal?.aborted) throw e;
        const timedOut = (e as Error).name === 'TimeoutError';
        if (attempt >= maxAttempts) {
          throw new AppError('upstream_failed', timedOut ? `The wearable API did not answer within ${Math.round(timeoutMs / 1000)} s (${attempt} tries).` : 'The wearable API could not be reached.');
        }
        await this.sleep(backoff(attempt));
        continue;
      }
      if (res.status === 401 && !refreshed) {
        refreshed = true;
        await this.token(true);
        continue;
      }
      if (res.status === 429 || res.status === 503) {
        const wait = waitFromHeaders(res.headers) ?? 1000 * 2 ** (attempt - 1);
        if (attempt >= maxAttempts || wait > (this.opts.maxWaitMs ?? 120_000)) {
          throw new AppError('upstream_rate_limited', `The wearable API is rate limiting this app; the sync will continue later (asked to wait ${Math.ceil(wait / 1000)} s).`);
        }
        this.rateLimitWaits++;
        await this.sleep(wait);
        continue;
      }
      if (TRANSIENT.has(res.status) && attempt < maxAttempts) {
        await this.sleep(backoff(attempt));
        continue;
      }
      if (!res.ok) throw new AppError('upstream_failed', `The wearable API answered ${res.status} for ${url.pathname}.`);
      try {
        return JSON.parse(text.replace(/^\uFEFF/, '')) as T;
      } catch {
        throw new AppError('upstream_failed', `The wearable API sent something that is not JSON for ${url.pathname}.`);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    this.retries++;
    return abortableSleep(ms, this.opts.signal);
  }
}

/** Exponential backoff with jitter: ~0.5 s, 1 s, 2 s, … capped at 30 s. */
function backoff(attempt: number): number {
  const base = Math.min(30_000, 500 * 2 ** (attempt - 1));
  return base / 2 + Math.random() * (base / 2);
}
