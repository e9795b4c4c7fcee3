import { Client } from 'fhir-kit-client';
import { abortableSleep } from '../../lib/sleep.ts';
import { withinDeadline } from '../../lib/deadline.ts';
import type { Json } from './map/datatypes.ts';

/** Supplies bearer tokens: `current` refreshes ahead of expiry, `refresh` forces one after a 401. */
export interface TokenSource {
  current(): Promise<string>;
  refresh(): Promise<string>;
}

/**
 * A FHIR request that failed for good (after retries); 400/403/404 are per-type and survivable.
 * Status 0 is a request that got no HTTP answer at all (connection refused, reset, timed out).
 */
export class FhirHttpError extends Error {
  constructor(
    readonly status: number,
    readonly outcome: Json | undefined,
    what: string,
    /** For status 0: what went wrong instead of an answer ("timed out after 60 s", "network error"). */
    readonly failure?: string,
  ) {
    super(status === 0 ? `${what}: ${failure ?? 'network error'}` : `${what} answered HTTP ${status}`);
    this.name = 'FhirHttpError';
  }

  /** The server is down or overloaded (no answer, 5xx, or still 429 after retries), not refusing this one request. */
  get unreachable(): boolean {
    return this.status === 0 || this.status >= 500 || this.status === 429;
  }

  /** Short PHI-free reason: "HTTP 503", "timed out after 60 s", "connection refused". */
  get reason(): string {
    return this.status === 0 ? this.failure ?? 'network error' : `HTTP ${this.status}`;
  }
}

export interface FhirReaderOptions {
  baseUrl: string;
  tokens: TokenSource;
  signal?: AbortSignal;
  /** Retries of one request on 429, 5xx or a network failure. */
  maxRetries?: number;
  /** Longest wait honoured from Retry-After or backoff, in ms. */
  maxDelayMs?: number;
  baseDelayMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  warn?: (message: string) => void;
  /** Longest wait for one HTTP answer before it counts as failed (a hung server must not hold a sync forever). */
  requestTimeoutMs?: number;
}

const RETRYABLE = new Set([429, 500, 502, 503, 504]);
const REQUEST_TIMEOUT_MS = 60_000;
/** A request that timed out is retried this often at most: each try may take the whole timeout. */
const TIMEOUT_RETRIES = 1;
const MAX_PAGES = 2000;


/** Seconds or an HTTP date, as RFC 9110 allows; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

type KitError = { response?: { status?: number; data?: unknown }; config?: { headers?: Headers }; name?: string; code?: string; cause?: { code?: string } };

/** What a request without an HTTP answer ran into, without any URL or id. */
function networkFailure(e: KitError, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `timed out after ${Math.round(timeoutMs / 100) / 10} s`;
  const code = e.cause?.code ?? e.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    default:
      return typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code) ? `network error (${code})` : 'network error';
  }
}

/**
 * Reads a FHIR server with fhir-kit-client, adding what real servers need: a fresh token on
 * every request and one refresh after a 401, retries with backoff on 429/5xx that honour
 * Retry-After, and paging through `next` links exactly as given but only on the server's own
 * origin (the bearer token is never sent anywhere else).
 */
export class FhirReader {
  /** HTTP requests sent, retries included (reported by the sync and the benchmark). */
  requests = 0;
  /** Requests the server answered other than with 5xx/429 (success or a 4xx): it is up. */
  answered = 0;
  private readonly client: Client;
  private readonly origin: string;

  constructor(private readonly o: FhirReaderOptions) {
    this.client = new Client({ baseUrl: o.baseUrl.replace(/\/+$/, '') });
    this.origin = new URL(o.baseUrl).origin;
  }

  /** Reads one resource by type and id. */
  read(type: string, id: string): Promise<Json> {
    // Errors name the type only: ids (a patient id above all) stay out of job errors.
    return this.call(`${type} read`, (options) => this.client.read({ resourceType: type, id, options }) as Promise<Json>);
  }

  /** Runs a search and yields each page's Bundle, following `next` links on the same origin. */
  async *search(type: string, params: Record<string, string>): AsyncGenerator<Json> {
    let bundle = await this.call(type, (options) => this.client.search({ resourceType: type, searchParams: params, options }) as Promise<Json>);
    const seen = new Set<string>();
    for (let page = 0; page < MAX_PAGES; page++) {
      yield bundle;
      const next = (Array.isArray(bundle.link) ? bundle.link : []).find((l) => (l as Json)?.relation === 'next') as Json | undefined;
      const url = typeof next?.url === 'string' ? next.url : undefined;
      if (!url) return;
      let target: URL;
      try {
        target = new URL(url, `${this.o.baseUrl}/`);
      } catch {
        this.o.warn?.(`${type}: ignored a malformed next link`);
        return;
      }
      if (target.origin !== this.origin) {
        this.o.warn?.(`${type}: refused a next link to another server (${target.host}); results after this page were not read`);
        return;
      }
      if (seen.has(target.href)) return;
      seen.add(target.href);
      const current = bundle;
      bundle = await this.call(type, (options) => this.client.nextPage({ bundle: { ...current, link: [{ relation: 'next', url: target.href }] } as never, options }) as Promise<Json>);
    }
    this.o.warn?.(`${type}: stopped after ${MAX_PAGES} pages`);
  }

  private async call(what: string, send: (options: { signal?: AbortSignal; headers: Record<string, string> }) => Promise<Json>): Promise<Json> {
    const sleep = this.o.sleep ?? abortableSleep;
    const maxRetries = this.o.maxRetries ?? 5;
    const timeoutMs = this.o.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    let refreshed = false;
    let timeouts = 0;
    let token = await this.o.tokens.current();
    for (let attempt = 0; ; attempt++) {
      this.o.signal?.throwIfAborted();
      this.requests++;
      // Bounded by a timer of our own, not only by the signal: Node 20's fetch can lose its link to
      // a signal under GC pressure, and a server that never answers would then hold the sync forever.
      let signal: AbortSignal | undefined;
      try {
        const answer = await withinDeadline(timeoutMs, this.o.signal, (s) => {
          signal = s;
          return send({ signal: s, headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } });
        });
        this.answered++;
        return answer;
      } catch (e) {
        if (this.o.signal?.aborted) throw this.o.signal.reason;
        const err = e as KitError;
        const status = err.response?.status;
        // The job's own stop was handled above, so an aborted signal here is the request's deadline.
        const timedOut = status === undefined && !!signal?.aborted;
        if (timedOut) timeouts++;
        if (status !== undefined && !RETRYABLE.has(status)) this.answered++;
        if (status === 401) {
          // A token refused right after a refresh will not get better type by type: stop the sync.
          if (refreshed) throw new Error(`${what}: the server refuses the access token even after a refresh`);
          refreshed = true;
          token = await this.o.tokens.refresh();
          continue;
        }
        const transient = status === undefined || RETRYABLE.has(status);
        if (transient && attempt < maxRetries && timeouts <= TIMEOUT_RETRIES) {
          const hinted = retryAfterMs(err.config?.headers?.get?.('retry-after'));
          const backoff = (this.o.baseDelayMs ?? 500) * 2 ** attempt * (0.75 + Math.random() * 0.5);
          await sleep(Math.min(hinted ?? backoff, this.o.maxDelayMs ?? 60_000), this.o.signal);
          continue;
        }
        if (status === undefined) throw new FhirHttpError(0, undefined, what, networkFailure(err, timedOut, timeoutMs));
        const data = err.response?.data;
        const outcome = data && typeof data === 'object' && (data as Json).resourceType === 'OperationOutcome' ? (data as Json) : undefined;
        throw new FhirHttpError(status, outcome, what);
      }
    }
  }
}
