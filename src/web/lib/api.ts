/**
 * The client's one way to talk to the gateway: same-origin fetch with the session cookie,
 * the CSRF header on every unsafe request, errors turned into ApiError, and a 401 anywhere
 * sending the person back to the sign-in screen.
 */

/** An error answer of the gateway (`{"error": {code, message}}`) or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds from a Retry-After header (pool busy, rate limited), if any. */
    readonly retryAfterS?: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfFallback = '';
let onUnauthorized: () => void = () => undefined;

/** Remembers the csrfToken of a login/signup or /api/me answer (used if the cookie is unreadable). */
export function setCsrfToken(token: string | undefined): void {
  csrfFallback = token ?? '';
}

/** What to do when any request answers 401 (the app shell navigates to the login screen). */
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

function cookie(name: string): string {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return '';
}

/** Headers every unsafe request carries: the double-submit CSRF token. */
export function csrfHeaders(): Record<string, string> {
  const token = cookie('cv_csrf') || csrfFallback;
  return token ? { 'X-CSRF-Token': token } : {};
}

/** Turns a non-2xx response into an ApiError (and reports 401s). */
export async function errorFrom(res: Response): Promise<ApiError> {
  let code = 'http_' + res.status;
  let message = res.statusText || 'Request failed.';
  let details: unknown;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string; details?: unknown } };
    if (body?.error?.code) code = body.error.code;
    if (body?.error?.message) message = body.error.message;
    details = body?.error?.details;
  } catch {
    /* not JSON: keep the status text */
  }
  const retry = Number(res.headers.get('Retry-After'));
  if (res.status === 401) onUnauthorized();
  return new ApiError(res.status, code, message, Number.isFinite(retry) && retry > 0 ? retry : undefined, details);
}

/** Sends a JSON request; resolves to the parsed body (undefined for 204). */
export async function api<T = unknown>(method: string, path: string, body?: unknown, init: RequestInit = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...(init.headers as Record<string, string>) };
  if (method !== 'GET' && method !== 'HEAD') Object.assign(headers, csrfHeaders());
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { ...init, method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection and try again.');
  }
  if (!res.ok) throw await errorFrom(res);
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('Content-Type') ?? '';
  return (type.includes('json') ? await res.json() : await res.text()) as T;
}

/** A query string from the defined, non-empty values of `params`. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
