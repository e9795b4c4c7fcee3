import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';

/**
 * Values the gateway used to store as something else (U+FFFD for bad text, March 1 for
 * February 30) or accept although useless (an API token expired at birth): each is a 400
 * naming the field, and the vault is exactly as before.
 */
let rt: TestRuntime;
let u: Awaited<ReturnType<TestRuntime['signup']>>;
let itemId: string;

beforeAll(async () => {
  rt = await createTestRuntime();
  u = await rt.signup();
  itemId = (await rt.api('POST', '/api/vault/items', { token: u.token, body: { kind: 'note', title: 'baseline', text: 'unchanged text', effectiveAt: '2024-01-05' } })).body.id;
});
afterAll(() => rt?.destroy());

async function snapshot() {
  const exp = await rt.api('GET', '/api/vault/export', { token: u.token });
  const { exportedAt: _ignored, ...rest } = exp.body;
  const tokens = await rt.deps.db.selectFrom('api_tokens').select(['id', 'name', 'expires_at']).execute();
  const items = Number((await rt.deps.db.selectFrom('items').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return { ...rest, tokens, items };
}

/** Sends raw bytes as a JSON body (the test helper would re-encode a string as valid UTF-8). */
async function sendBytes(method: string, path: string, bytes: Buffer) {
  const res = await rt.app.request(path, { method, headers: { authorization: `Bearer ${u.token}`, 'content-type': 'application/json' }, body: new Uint8Array(bytes) });
  return { status: res.status, body: await res.json() };
}

const json = (s: string) => Buffer.from(s, 'utf8');
/** `{"kind":"note","title":"ab<bytes>cd", ...}` with bytes that are not UTF-8 (a lone continuation byte, an overlong NUL, a CESU surrogate). */
const withBytes = (field: string, bad: number[], rest = '"kind":"note"') =>
  Buffer.concat([json(`{${rest},"${field}":"ab`), Buffer.from(bad), json('cd"}')]);

const past = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
const future = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString();

const cases: { name: string; method: string; path: string; body?: unknown; bytes?: Buffer; field: string; says: RegExp }[] = [
  { name: 'invalid UTF-8 (a stray continuation byte) in a title', method: 'POST', path: '/api/vault/items', bytes: withBytes('title', [0x80]), field: 'title', says: /UTF-8/ },
  { name: 'invalid UTF-8 (an overlong encoding) in a text', method: 'POST', path: '/api/vault/items', bytes: withBytes('text', [0xc0, 0xaf], '"kind":"note","title":"t"'), field: 'text', says: /UTF-8/ },
  { name: 'invalid UTF-8 (an encoded surrogate) in a patched title', method: 'PATCH', path: '/api/vault/items/ITEM', bytes: withBytes('title', [0xed, 0xa0, 0x80], '"sensitivity":"normal"'), field: 'title', says: /UTF-8/ },
  { name: 'a lone high surrogate in a title', method: 'POST', path: '/api/vault/items', body: { kind: 'note', title: 'pain \ud83d score' }, field: 'title', says: /surrogate/ },
  { name: 'a lone low surrogate in a text', method: 'POST', path: '/api/vault/items', body: { kind: 'note', title: 't', text: 'x\udc00y' }, field: 'text', says: /surrogate/ },
  { name: 'a lone surrogate deep in content', method: 'POST', path: '/api/vault/items', body: { kind: 'note', title: 't', content: { a: ['\ud800'] } }, field: 'content', says: /surrogate/ },
  { name: 'a lone surrogate in a patched title', method: 'PATCH', path: '/api/vault/items/ITEM', body: { title: '\udfff' }, field: 'title', says: /surrogate/ },
  { name: 'February 30', method: 'POST', path: '/api/vault/items', body: { kind: 'note', title: 't', effectiveAt: '2024-02-30' }, field: 'effectiveAt', says: /real calendar date/ },
  { name: 'February 29 of a year that is not a leap year', method: 'PATCH', path: '/api/vault/items/ITEM', body: { effectiveAt: '2023-02-29T10:00:00Z' }, field: 'effectiveAt', says: /real calendar date/ },
  { name: 'year 0', method: 'POST', path: '/api/vault/items', body: { kind: 'note', title: 't', effectiveAt: '0000-06-01' }, field: 'effectiveAt', says: /year 0001 to 9999/ },
  { name: 'an expanded year', method: 'POST', path: '/api/vault/items', body: { kind: 'note', title: 't', effectiveAt: '+010000-01-01T00:00:00Z' }, field: 'effectiveAt', says: /real calendar date/ },
  { name: 'hour 24', method: 'POST', path: '/api/vault/items', body: { kind: 'note', title: 't', effectiveAt: '2024-01-01T24:00:00Z' }, field: 'effectiveAt', says: /real calendar date/ },
  { name: 'an impossible permission expiry', method: 'PUT', path: '/api/vault/items/ITEM/permissions', body: { shareWithAi: true, expiresAt: '2025-04-31' }, field: 'expiresAt', says: /real calendar date/ },
  { name: 'an impossible rule expiry', method: 'POST', path: '/api/vault/rules', body: { kind: 'note', shareWithAi: true, expiresAt: '2025-02-30T00:00:00Z' }, field: 'expiresAt', says: /real calendar date/ },
  { name: 'an impossible list bound', method: 'GET', path: '/api/vault/items?from=2024-02-30', field: 'from', says: /real calendar date/ },
  { name: 'an API token that expired before it was made', method: 'POST', path: '/api/tokens', body: { name: 'laptop', expiresAt: past }, field: 'expiresAt', says: /in the future/ },
  { name: 'an API token with an impossible expiry', method: 'POST', path: '/api/tokens', body: { name: 'laptop', expiresAt: '2030-02-30T00:00:00Z' }, field: 'expiresAt', says: /real calendar date/ },
];

describe('bad values: 400 naming the field, nothing stored or changed', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const before = await snapshot();
      const path = c.path.replace('ITEM', itemId);
      const r = c.bytes ? await sendBytes(c.method, path, c.bytes) : await rt.api(c.method, path, { token: u.token, body: c.body });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
      expect(r.body.error.message).toContain(`"${c.field}"`);
      expect(r.body.error.message).toMatch(c.says);
      expect(r.body.error.details[0].path).toBe(c.field);
      expect(await snapshot()).toEqual(before);
    });
  }

  it('the refused values never appear in the error', async () => {
    const r = await rt.api('POST', '/api/vault/items', { token: u.token, body: { kind: 'note', title: 'HIV result \ud800', effectiveAt: '2024-02-30' } });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).not.toContain('HIV');
    expect(JSON.stringify(r.body)).not.toContain('2024-02-30');
  });

  it('real dates, astral characters and a future token expiry are still accepted as sent', async () => {
    const title = 'Leap day check 🫀 ✓';
    const item = await rt.api('POST', '/api/vault/items', { token: u.token, body: { kind: 'note', title, effectiveAt: '2024-02-29' } });
    expect(item.status).toBe(201);
    const got = await rt.api('GET', `/api/vault/items/${item.body.id}`, { token: u.token });
    expect(got.body.title).toBe(title);
    expect(got.body.effectiveAt.slice(0, 10)).toBe('2024-02-29');
    const t = await rt.api('POST', '/api/tokens', { token: u.token, body: { name: 'laptop', expiresAt: future } });
    expect(t.status).toBe(201);
    expect(t.body.expiresAt).toBe(future);
    expect((await rt.api('GET', '/api/me', { token: t.body.token })).status).toBe(401); // API tokens are not sessions
    expect((await rt.api('GET', '/v1/models', { token: t.body.token })).status).not.toBe(401);
  });
});
