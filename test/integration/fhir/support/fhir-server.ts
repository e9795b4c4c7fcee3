import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EPIC_BASE, POWELL_DIR, powellTracks } from './fixtures.ts';
import { listenLoopback } from './listen.ts';

export const FHIR_PATH = '/api/FHIR/R4';

/** An answer injected before the recorded one (e.g. a 429 with Retry-After). */
export interface Injected {
  status: number;
  headers?: Record<string, string>;
}

export interface FhirServer {
  url: string;
  base: string;
  /** Every request: path+query after the base and whether its token was valid. */
  log: { key: string; status: number }[];
  /** The bearer token of the latest request. */
  lastToken: string;
  /** Requests that matched no recording. */
  unmatched: string[];
  /** Queues answers for a request key (`Type?sorted query`), consumed before the recording. */
  inject(key: string, answers: Injected[]): void;
  /** Calls `hook` once, just before answering request number `n` (1-based), e.g. to expire a token. */
  beforeRequest(n: number, hook: (token: string) => Promise<void>): void;
  /** Rewrites the `next` link of the answer to `key` to point at `url` (another server). */
  redirectNext(key: string, url: string): void;
  /** Serve SMART discovery only through the CapabilityStatement, not .well-known. */
  smartConfig: boolean;
  /** An outage of the FHIR data API (discovery still answers): `hang` never answers, a number answers that status. */
  outage: 'hang' | number | null;
  close(): Promise<void>;
}

/** `Observation?_count=50&category=x&patient=y` with parameters sorted: the replay's lookup key. */
export function requestKey(pathAndQuery: string): string {
  const u = new URL(pathAndQuery, 'http://x');
  const params = [...u.searchParams].sort(([a, av], [b, bv]) => (a === b ? av.localeCompare(bv) : a.localeCompare(b)));
  const q = new URLSearchParams(params).toString();
  return `${u.pathname.replace(/^\//, '')}${q ? `?${q}` : ''}`;
}

/**
 * A FHIR R4 endpoint on 127.0.0.1 replaying the recorded Epic sandbox sync (../shared/fixtures):
 * each request is looked up in `_index.json`; bodies have Epic's base URL rewritten to ours,
 * so `next` links (`?sessionID=…`) come back as given. Bearer tokens are checked against the
 * authorization server. SMART discovery is served from `.well-known/smart-configuration` and
 * the CapabilityStatement.
 */
export async function startFhirServer(o: { authServer: () => string; validToken: (t: string) => Promise<boolean> }): Promise<FhirServer> {
  const http = await listenLoopback();
  const base = `${http.url}${FHIR_PATH}`;
  const recordings = new Map<string, { status: number; contentType: string; file?: string }>();
  for (const t of powellTracks()) {
    const key = requestKey(t.url.slice(EPIC_BASE.length));
    if (!recordings.has(key)) recordings.set(key, { status: t.status, contentType: t.content_type, file: t.file });
  }
  const injected = new Map<string, Injected[]>();
  const nextRedirects = new Map<string, string>();
  const hooks = new Map<number, (token: string) => Promise<void>>();
  let count = 0;

  const server: FhirServer = {
    url: http.url,
    base,
    log: [],
    unmatched: [],
    lastToken: '',
    inject: (key, answers) => injected.set(key, [...(injected.get(key) ?? []), ...answers]),
    beforeRequest: (n, hook) => hooks.set(n, hook),
    redirectNext: (key, url) => nextRedirects.set(key, url),
    smartConfig: true,
    outage: null,
    close: http.close,
  };

  const json = (res: ServerResponse, status: number, body: unknown, type = 'application/fhir+json; charset=utf-8') => {
    res.writeHead(status, { 'content-type': type });
    res.end(JSON.stringify(body));
  };
  const outcome = (code: string, text: string) => ({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text } }] });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    if (!url.startsWith(FHIR_PATH)) return json(res, 404, outcome('not-found', 'unknown path'));
    const rest = url.slice(FHIR_PATH.length);
    const as = o.authServer();
    if (rest === '/.well-known/smart-configuration') {
      if (!server.smartConfig) return json(res, 404, outcome('not-found', 'no SMART configuration here'));
      return json(res, 200, {
        issuer: as,
        authorization_endpoint: `${as}/auth`,
        token_endpoint: `${as}/token`,
        revocation_endpoint: `${as}/token/revocation`,
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'private_key_jwt', 'none'],
        scopes_supported: ['openid', 'fhirUser', 'launch/patient', 'offline_access', 'patient/*.read'],
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        capabilities: ['launch-standalone', 'client-public', 'client-confidential-symmetric', 'client-confidential-asymmetric', 'context-standalone-patient', 'permission-patient', 'permission-offline'],
      }, 'application/json');
    }
    if (rest === '/metadata') {
      return json(res, 200, {
        resourceType: 'CapabilityStatement',
        status: 'active',
        kind: 'instance',
        fhirVersion: '4.0.1',
        format: ['json'],
        rest: [{
          mode: 'server',
          security: {
            extension: [{
              url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
              extension: [{ url: 'authorize', valueUri: `${as}/auth` }, { url: 'token', valueUri: `${as}/token` }],
            }],
          },
        }],
      });
    }
    if (server.outage === 'hang') return;
    if (typeof server.outage === 'number') {
      server.log.push({ key: requestKey(rest), status: server.outage });
      res.writeHead(server.outage, { 'content-type': 'text/html' });
      return res.end('<html><body>Service Unavailable</body></html>');
    }
    count++;
    const token = req.headers.authorization?.match(/^Bearer (.+)$/)?.[1] ?? '';
    server.lastToken = token;
    const hook = hooks.get(count);
    if (hook) {
      hooks.delete(count);
      await hook(token);
    }
    const key = requestKey(rest);
    if (!token || !(await o.validToken(token))) {
      server.log.push({ key, status: 401 });
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"', 'content-type': 'application/fhir+json' });
      return res.end(JSON.stringify(outcome('login', 'invalid or expired token')));
    }
    const queued = injected.get(key);
    if (queued?.length) {
      const a = queued.shift()!;
      server.log.push({ key, status: a.status });
      res.writeHead(a.status, { 'content-type': 'application/fhir+json', ...(a.headers ?? {}) });
      return res.end(JSON.stringify(outcome('throttled', 'try again later')));
    }
    const rec = recordings.get(key);
    if (!rec) {
      server.unmatched.push(key);
      server.log.push({ key, status: 404 });
      return json(res, 404, outcome('not-found', 'not recorded'));
    }
    server.log.push({ key, status: rec.status });
    if (!rec.file) {
      res.writeHead(rec.status, rec.contentType ? { 'content-type': rec.contentType } : {});
      return res.end(rec.contentType.startsWith('text/html') ? '<html><body>Not Found</body></html>' : '');
    }
    let body = readFileSync(join(POWELL_DIR, rec.file), 'utf8').split(EPIC_BASE).join(base);
    const redirect = nextRedirects.get(key);
    if (redirect) {
      const parsed = JSON.parse(body);
      for (const l of parsed.link ?? []) if (l.relation === 'next') l.url = redirect;
      body = JSON.stringify(parsed);
    }
    res.writeHead(rec.status, { 'content-type': rec.contentType || 'application/fhir+json' });
    res.end(body);
  };

  http.setHandler((req, res) => {
    handle(req, res).catch((e) => {
      res.statusCode = 500;
      res.end(String(e));
    });
  });
  return server;
}
