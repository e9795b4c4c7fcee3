import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';

/**
 * A local stand-in for Oura (its OAuth server and API v2), on 127.0.0.1: authorization code
 * with PKCE S256 checked, single-use rotating refresh tokens (a reused one is `invalid_grant`),
 * bearer checks with expiry, `next_token` paging, and scripted 429s with Retry-After.
 */
export interface FakeOura {
  url: string;
  clientId: string;
  clientSecret: string;
  /** Seconds an access token lives. */
  accessTtlS: number;
  /** Collections that answer 429 (Retry-After: n s) on their next request. */
  rateLimitNext: Map<string, number>;
  /** Answer the next API request with 401, as if the access token had been revoked early. */
  unauthorizedNext: boolean;
  refreshGrants: number;
  reusedRefreshTokens: number;
  requests: { path: string; query: Record<string, string>; at: number }[];
  /** Overrides: day offset → steps for daily_activity (a day's total that changed). */
  stepsOverride: Map<number, number>;
  revokeAll(): void;
  close(): Promise<void>;
}

const FIX = new URL('../../fixtures/oura/', import.meta.url);

function dayOf(offset: number, today: string): string {
  return new Date(Date.parse(`${today}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
}

function load(name: string, today: string): { data: Record<string, unknown>[] } {
  const raw = readFileSync(new URL(`${name}.json`, FIX), 'utf8').replace(/"D(0|-\d+)/g, (_m, n) => `"${dayOf(Number(n), today)}`);
  return JSON.parse(raw);
}

export async function startFakeOura(today = new Date().toISOString().slice(0, 10)): Promise<FakeOura> {
  const codes = new Map<string, { challenge: string; redirectUri: string; used: boolean }>();
  const access = new Map<string, number>();
  const refresh = new Set<string>();
  const usedRefresh = new Set<string>();
  const state: FakeOura = {
    url: '',
    clientId: 'cv-test-client',
    clientSecret: 'cv-test-secret',
    accessTtlS: 3600,
    rateLimitNext: new Map(),
    unauthorizedNext: false,
    refreshGrants: 0,
    reusedRefreshTokens: 0,
    requests: [],
    stepsOverride: new Map(),
    revokeAll() {
      access.clear();
      refresh.clear();
    },
    close: async () => undefined,
  };
  const issue = () => {
    const a = `at_${randomBytes(12).toString('hex')}`;
    const r = `rt_${randomBytes(12).toString('hex')}`;
    access.set(a, Date.now() + state.accessTtlS * 1000);
    refresh.add(r);
    return { access_token: a, refresh_token: r, expires_in: state.accessTtlS, token_type: 'bearer', scope: 'daily heartrate spo2Daily personal' };
  };
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  };

  const server: Server = createServer(async (req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const q = Object.fromEntries(u.searchParams);
    state.requests.push({ path: u.pathname, query: q, at: Date.now() });
    if (u.pathname === '/oauth/authorize') {
      if (q.client_id !== state.clientId || q.response_type !== 'code' || q.code_challenge_method !== 'S256' || !q.code_challenge) return json(res, 400, { error: 'invalid_request' });
      const code = randomBytes(10).toString('hex');
      codes.set(code, { challenge: q.code_challenge, redirectUri: q.redirect_uri, used: false });
      const back = new URL(q.redirect_uri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.state);
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (u.pathname === '/oauth/token' && req.method === 'POST') {
      const f = await readBody(req);
      if (f.get('client_id') !== state.clientId || f.get('client_secret') !== state.clientSecret) return json(res, 401, { error: 'invalid_client' });
      if (f.get('grant_type') === 'authorization_code') {
        const c = codes.get(f.get('code') ?? '');
        const verifier = f.get('code_verifier') ?? '';
        const ok = c && !c.used && c.redirectUri === f.get('redirect_uri') && createHash('sha256').update(verifier).digest('base64url') === c.challenge;
        if (!ok) return json(res, 400, { error: 'invalid_grant' });
        c!.used = true;
        return json(res, 200, issue());
      }
      if (f.get('grant_type') === 'refresh_token') {
        const r = f.get('refresh_token') ?? '';
        if (!refresh.has(r)) {
          if (usedRefresh.has(r)) state.reusedRefreshTokens++;
          return json(res, 400, { error: 'invalid_grant' });
        }
        refresh.delete(r);
        usedRefresh.add(r);
        state.refreshGrants++;
        return json(res, 200, issue());
      }
      return json(res, 400, { error: 'unsupported_grant_type' });
    }
    const m = /^\/v2\/usercollection\/([a-z_0-9]+)$/.exec(u.pathname);
    if (m) {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const exp = access.get(token);
      if (!exp || exp < Date.now() || state.unauthorizedNext) {
        state.unauthorizedNext = false;
        return json(res, 401, { detail: 'Unauthorized' });
      }
      const collection = m[1];
      const wait = state.rateLimitNext.get(collection);
      if (wait !== undefined) {
        state.rateLimitNext.delete(collection);
        return json(res, 429, { detail: 'Too many requests' }, { 'retry-after': String(wait) });
      }
      let docs = load(collection, today).data;
      if (collection === 'heartrate') {
        // The real API refuses long heart-rate ranges; clients keep each request within 30 days.
        if (Date.parse(q.end_datetime) - Date.parse(q.start_datetime) > 30 * 86_400_000) return json(res, 400, { detail: 'Start and end datetime must be at most 30 days apart' });
        docs = docs.filter((d) => String(d.timestamp) >= q.start_datetime.slice(0, 19) && String(d.timestamp) < q.end_datetime.slice(0, 19));
      } else {
        // Oura's end_date is inclusive for daily documents; the connector asks one day further and trims.
        docs = docs.filter((d) => String(d.day) >= q.start_date && String(d.day) <= q.end_date);
      }
      if (collection === 'daily_activity') {
        for (const [offset, steps] of state.stepsOverride) for (const d of docs) if (d.day === dayOf(offset, today)) d.steps = steps;
      }
      const start = Number(q.next_token ?? 0);
      const page = docs.slice(start, start + 2);
      return json(res, 200, { data: page, next_token: start + 2 < docs.length ? String(start + 2) : null });
    }
    json(res, 404, { detail: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address() as { port: number };
  state.url = `http://127.0.0.1:${addr.port}`;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}
