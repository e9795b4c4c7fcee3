import { AppError } from '../../errors.ts';
import { abortableSleep } from '../../lib/sleep.ts';
import { waitFromHeaders } from './retry-after.ts';

export interface ApiClientOptions {
  signal?: AbortSignal;
  /** Longest single wait a rate limit may impose before the sync gives up (and resumes next time). */
  maxWaitMs?: number;
  maxAttempts?: number;
}

/**
 * JSON GETs against a wearable API: bearer token, one forced refresh on 401, waits on 429/503
 * as `Retry-After` or the reset headers say (exponential backoff when they do not), and
 * gives up cleanly past `maxWaitMs`. Bodies are never logged or echoed (they are health data).
 */
export class ApiClient {
  rateLimitWaits = 0;
  requests = 0;

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
      try {
        res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal: this.opts.signal });
      } catch (e) {
        if (this.opts.signal?.aborted) throw e;
        if (attempt >= maxAttempts) throw new AppError('upstream_failed', 'The wearable API could not be reached.');
        await this.sleep(500 * 2 ** attempt);
        continue;
      }
      if (res.status === 401 && !refreshed) {
        await res.body?.cancel();
        refreshed = true;
        await this.token(true);
        continue;
      }
      if (res.status === 429 || res.status === 503) {
        await res.body?.cancel();
        const wait = waitFromHeaders(res.headers) ?? 1000 * 2 ** (attempt - 1);
        if (attempt >= maxAttempts || wait > (this.opts.maxWaitMs ?? 120_000)) {
          throw new AppError('upstream_rate_limited', `The wearable API is rate limiting this app; the sync will continue later (asked to wait ${Math.ceil(wait / 1000)} s).`);
        }
        this.rateLimitWaits++;
        await this.sleep(wait);
        continue;
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw new AppError('upstream_failed', `The wearable API answered ${res.status} for ${url.pathname}.`);
      }
      const text = await res.text();
      try {
        return JSON.parse(text.replace(/^\uFEFF/, '')) as T;
      } catch {
        throw new AppError('upstream_failed', `The wearable API sent something that is not JSON for ${url.pathname}.`);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return abortableSleep(ms, this.opts.signal);
  }
}
