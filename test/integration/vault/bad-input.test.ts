import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';

let rt: TestRuntime;
let u: Awaited<ReturnType<TestRuntime['signup']>>;
let itemId: string;

beforeAll(async () => {
  rt = await createTestRuntime({ MAX_BODY_BYTES: '65536' });
  u = await rt.signup();
  itemId = (await rt.api('POST', '/api/vault/items', { token: u.token, body: { kind: 'note', title: 'baseline', text: 'unchanged text' } })).body.id;
});
afterAll(() => rt?.destroy());

/** Everything the user has, to prove a refused request changed nothing. */
async function snapshot() {
  const exp = await rt.api('GET', '/api/vault/export', { token: u.token });
  const { exportedAt: _ignored, ...rest } = exp.body;
  const counts = await Promise.all(
    (['users', 'items', 'sharing_rules', 'sessions', 'api_tokens', 'jobs', 'disclosures'] as const).map(async (t) =>
      Number((await rt.deps.db.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    ),
  );
  return { ...rest, counts };
}

const NUL = '\u0000';

const cases: { name: string; method: string; path: string; body?: unknown; raw?: string; headers?: Record<string, string>; status: number; code: string; noAuth?: boolean; field?: string }[] = [
  { name: 'malformed JSON', method: 'POST', path: '/api/vault/items', raw: '{"kind": "note", "title": ', status: 400, code: 'invalid_json' },
  { name: 'not JSON at all', method: 'POST', path: '/api/vault/items', raw: 'kind=note', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, code: 'unsupported_media_type' },
  { name: 'unknown field', method: 'POST', path: '/api/vault/items', body: { kind: 'note', title: 't', owner: 'someone-else' }, status: 400, code: 'validation_failed' },
  { name: 'wrong type', method: 'POST', path: '/api/vault/items', body: { kind: 'note', title: 42 }, status: 400, code: 'validation_failed' },
  { name: 'missing title', method: 'POST', path: '/api/vault/items', body: { kind: 'note' }, status: 400, code: 'validation_failed' },
  { name: 'bad sensitivity', method: 'POST', path: '/api/vault/items', body: { kind: 'note', title: 't', sensitivity: 'public' }, status: 400, code: 'validation_failed' },
  { name: 'bad date', method: 'POST', path: '/api/vault/items', body: { kind: 'note', title: 't', effectiveAt: 'yesterday' }, status: 400, code: 'validation_failed' },
  { name: 'a JSON array body', method: 'POST', path: '/api/vault/items', body: [{ kind: 'note', title: 't' }], status: 400, code: 'validation_failed' },
  { name: 'SQL-ish kind', method: 'POST', path: '/api/vault/items', body: { kind: "note'; drop table items; --", title: 't' }, status: 400, code: 'validation_failed' },
  { name: 'oversized body', method: 'POST', path: '/api/vault/items', body: { kind: 'note', title: 't', text: 'x'.repeat(70_000) }, status: 413, code: 'payload_too_large' },
  { name: 'oversized body on the OpenAI-compatible API', method: 'POST', path: '/v1/chat/completions', body: { model: 'x', messages: [{ role: 'user', content: 'x'.repeat(70_000) }] }, status: 413, code: 'payload_too_large' },
  { name: 'bad id', method: 'GET', path: '/api/vault/items/not-a-uuid', status: 400, code: 'invalid_id' },
  { name: 'SQL-ish id', method: 'DELETE', path: `/api/vault/items/${encodeURIComponent("1' or '1'='1")}`, status: 400, code: 'invalid_id' },
  { name: 'unknown item', method: 'DELETE', path: '/api/vault/items/00000000-0000-4000-8000-000000000000', status: 404, code: 'not_found' },
  { name: 'unknown query parameter', method: 'GET', path: '/api/vault/items?owner=all', status: 400, code: 'validation_failed' },
  { name: 'bad limit', method: 'GET', path: '/api/vault/items?limit=-5', status: 400, code: 'validation_failed' },
  { name: 'forged cursor', method: 'GET', path: '/api/vault/items?cursor=Zm9vfGJhcg', status: 400, code: 'invalid_cursor' },
  { name: 'empty patch', method: 'PATCH', path: '/api/vault/items/ITEM', body: {}, status: 400, code: 'validation_failed' },
  { name: 'permissions with a wrong type', method: 'PUT', path: '/api/vault/items/ITEM/permissions', body: { shareWithAi: 'yes' }, status: 400, code: 'validation_failed' },
  { name: 'rule with unknown field', method: 'POST', path: '/api/vault/rules', body: { kind: 'note', shareWithAi: true, everything: true }, status: 400, code: 'validation_failed' },
  { name: 'no credentials', method: 'POST', path: '/api/vault/items', body: { kind: 'note', title: 't' }, status: 401, code: 'unauthorized', noAuth: true },
  { name: 'garbage bearer', method: 'GET', path: '/api/vault/items', headers: { authorization: 'Bearer cvs_forged' }, status: 401, code: 'unauthorized', noAuth: true },
  { name: 'signup with a short password', method: 'POST', path: '/api/auth/signup', body: { email: 'x@example.test', password: 'short' }, status: 400, code: 'validation_failed', noAuth: true },
  { name: 'signup with a bad email', method: 'POST', path: '/api/auth/signup', body: { email: '<script>@', password: 'long enough password' }, status: 400, code: 'validation_failed', noAuth: true },
  { name: 'unknown route', method: 'GET', path: '/api/nothing-here', status: 404, code: 'not_found' },
  // PostgreSQL refuses U+0000 in text: each must be a 400 naming the field, never a 500.
  ...(
    [
      ['item title', 'POST', '/api/vault/items', { kind: 'note', title: `a${NUL}b` }, 'title'],
      ['item text', 'POST', '/api/vault/items', { kind: 'note', title: 't', text: `x${NUL}` }, 'text'],
      ['item source', 'POST', '/api/vault/items', { kind: 'note', title: 't', source: `s${NUL}` }, 'source'],
      ['item sourceId', 'POST', '/api/vault/items', { kind: 'note', title: 't', sourceId: `id${NUL}1` }, 'sourceId'],
      ['item tag', 'POST', '/api/vault/items', { kind: 'note', title: 't', tags: ['fine', `t${NUL}`] }, 'tags'],
      ['item kind', 'POST', '/api/vault/items', { kind: `note${NUL}`, title: 't' }, 'kind'],
      ['a string deep in content', 'POST', '/api/vault/items', { kind: 'note', title: 't', content: { a: [{ b: `x${NUL}` }] } }, 'content'],
      ['a key in content', 'POST', '/api/vault/items', { kind: 'note', title: 't', content: { [`k${NUL}`]: 1 } }, 'content'],
      ['patched title', 'PATCH', '/api/vault/items/ITEM', { title: `x${NUL}` }, 'title'],
      ['rule tag', 'POST', '/api/vault/rules', { tag: `t${NUL}`, shareWithAi: true }, 'tag'],
      ['token name', 'POST', '/api/tokens', { name: `laptop${NUL}` }, 'name'],
      ['chat message', 'POST', '/api/chat', { message: `hello${NUL}` }, 'message'],
      ['OpenAI-compatible message', 'POST', '/v1/chat/completions', { model: 'x', messages: [{ role: 'user', content: `hi${NUL}` }] }, 'messages'],
    ] as const
  ).map(([what, method, path, body, field]) => ({ name: `NUL in ${what}`, method, path, body, status: 400, code: 'validation_failed', field })),
  { name: 'NUL in login email', method: 'POST', path: '/api/auth/login', body: { email: `a${NUL}@example.test`, password: 'whatever password' }, status: 400, code: 'validation_failed', noAuth: true, field: 'email' },
  { name: 'NUL in signup email', method: 'POST', path: '/api/auth/signup', body: { email: `b${NUL}@example.test`, password: 'long enough password' }, status: 400, code: 'validation_failed', noAuth: true, field: 'email' },
  { name: 'NUL in search q', method: 'GET', path: '/api/vault/items?q=blood%00pressure', status: 400, code: 'validation_failed', field: 'q' },
  { name: 'NUL in kind filter', method: 'GET', path: '/api/vault/items?kind=note%00', status: 400, code: 'validation_failed', field: 'kind' },
  { name: 'NUL in a disclosures query', method: 'GET', path: '/api/audit/disclosures?before=%00', status: 400, code: 'validation_failed', field: 'before' },
];

describe('bad input: a clear 4xx JSON error and nothing changed', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const before = await snapshot();
      const headers: Record<string, string> = { ...(c.headers ?? {}) };
      if (!c.noAuth) headers.authorization = `Bearer ${u.token}`;
      if (c.raw !== undefined) headers['content-type'] ??= 'application/json';
      const body = c.raw ?? (c.body !== undefined ? JSON.stringify(c.body) : undefined);
      if (body && !headers['content-type']) headers['content-type'] = 'application/json';
      const res = await rt.app.request(c.path.replace('ITEM', itemId), { method: c.method, headers, body });
      expect(res.status).toBe(c.status);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      const json = await res.json();
      expect(json.error.code).toBe(c.code);
      expect(json.error.message).toEqual(expect.any(String));
      expect(json.error.message.length).toBeGreaterThan(5);
      expect(json.error.requestId).toEqual(expect.any(String));
      if (c.field) {
        expect(json.error.message).toContain(`"${c.field}"`);
        expect(json.error.details).toEqual([{ path: c.field, message: expect.stringContaining('NUL') }]);
      }
      expect(await snapshot()).toEqual(before);
    });
  }

  it('script-ish and SQL-ish text is stored and returned verbatim as data, never interpreted', async () => {
    const nasty = `<script>alert(1)</script>'); DROP TABLE items; -- \u0001?`;
    const r = await rt.api('POST', '/api/vault/items', { token: u.token, body: { kind: 'note', title: nasty, text: nasty } });
    expect(r.status).toBe(201);
    const got = await rt.api('GET', `/api/vault/items/${r.body.id}`, { token: u.token });
    expect(got.body.title).toBe(nasty);
    expect(got.body.text).toBe(nasty);
    const search = await rt.api('GET', `/api/vault/items?q=${encodeURIComponent("'); DROP TABLE items; --")}`, { token: u.token });
    expect(search.status).toBe(200);
    expect((await rt.api('GET', '/api/vault/items?limit=500', { token: u.token })).body.items.length).toBe(2);
    await rt.api('DELETE', `/api/vault/items/${r.body.id}`, { token: u.token });
  });

  it('validation errors name the field but never echo the submitted value', async () => {
    const r = await rt.api('POST', '/api/vault/items', { token: u.token, body: { kind: 'note', title: 't', effectiveAt: 'HIV positive since' } });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('effectiveAt');
    expect(JSON.stringify(r.body)).not.toContain('HIV');
  });
});
