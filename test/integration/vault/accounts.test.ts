import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { hashToken } from '../../../src/lib/tokens.ts';
import { insertJob } from '../../../src/db/jobs.ts';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', LOGIN_MAX_FAILURES_PER_ADDRESS: '1000' });
});
afterAll(() => rt?.destroy());

function cookiesOf(res: Response | { headers: Headers }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

describe('accounts', () => {
  it('signs up, stores only a password hash (argon2id at OWASP parameters) and a wrapped data key', async () => {
    const r = await rt.api('POST', '/api/auth/signup', { body: { email: 'Alice@Example.test', password: 'correct horse battery' } });
    expect(r.status).toBe(201);
    expect(r.body.user.email).toBe('alice@example.test');
    expect(r.body.token).toMatch(/^cvs_/);
    const setCookie = r.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/cv_session=[^;]+;.*HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const u = await rt.deps.db.selectFrom('users').selectAll().where('email', '=', 'alice@example.test').executeTakeFirstOrThrow();
    expect(u.password_hash).toMatch(/^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=1\$/);
    const [, m, t] = u.password_hash.match(/m=(\d+),t=(\d+)/)!;
    expect(Number(m)).toBeGreaterThanOrEqual(19 * 1024);
    expect(Number(t)).toBeGreaterThanOrEqual(2);
    expect(u.password_hash).not.toContain('correct horse');
    const session = await rt.deps.db.selectFrom('sessions').selectAll().where('user_id', '=', u.id).executeTakeFirstOrThrow();
    expect(session.token_hash.length).toBe(32);
    expect(session.token_hash.toString('utf8')).not.toContain(r.body.token);
    const key = await rt.deps.db.selectFrom('user_keys').selectAll().where('user_id', '=', u.id).executeTakeFirstOrThrow();
    expect(key.wrapped_key.length).toBe(1 + 12 + 16 + 32);
  });

  it('refuses a second account with the same email, whatever its case', async () => {
    const before = await rt.deps.db.selectFrom('users').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    const r = await rt.api('POST', '/api/auth/signup', { body: { email: 'ALICE@example.test', password: 'another long password' } });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('email_taken');
    const after = await rt.deps.db.selectFrom('users').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('logs in and out with a bearer token; the old token stops working', async () => {
    const login = await rt.api('POST', '/api/auth/login', { body: { email: 'alice@example.test', password: 'correct horse battery' } });
    expect(login.status).toBe(200);
    const me = await rt.api('GET', '/api/me', { token: login.body.token });
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe('alice@example.test');
    expect(me.body.vault).toEqual({ total: 0, sharedWithAi: 0, secret: 0 });
    expect((await rt.api('POST', '/api/auth/logout', { token: login.body.token })).status).toBe(204);
    const after = await rt.api('GET', '/api/me', { token: login.body.token });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('unauthorized');
  });

  it('accepts the session cookie, and requires the CSRF header for unsafe cookie requests', async () => {
    const res = await rt.app.request('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'alice@example.test', password: 'correct horse battery' }),
    });
    const cookies = cookiesOf(res);
    const cookie = `cv_session=${cookies.cv_session}; cv_csrf=${cookies.cv_csrf}`;
    const me = await rt.app.request('/api/me', { headers: { cookie } });
    expect(me.status).toBe(200);
    const item = { kind: 'note', title: 'csrf probe' };
    const noCsrf = await rt.app.request('/api/vault/items', { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(item) });
    expect(noCsrf.status).toBe(403);
    expect((await noCsrf.json()).error.code).toBe('csrf_failed');
    const wrong = await rt.app.request('/api/vault/items', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': 'x'.repeat(43) },
      body: JSON.stringify(item),
    });
    expect(wrong.status).toBe(403);
    const list = await rt.app.request('/api/vault/items', { headers: { cookie } });
    expect((await list.json()).items).toHaveLength(0);
    const ok = await rt.app.request('/api/vault/items', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': cookies.cv_csrf },
      body: JSON.stringify(item),
    });
    expect(ok.status).toBe(201);
  });

  it('rate-limits failed logins per account with Retry-After, even for the right password', async () => {
    await rt.signup('bob@example.test', 'bobs long password');
    for (let i = 0; i < 3; i++) {
      const r = await rt.api('POST', '/api/auth/login', { body: { email: 'bob@example.test', password: 'wrong password' } });
      expect(r.status).toBe(401);
    }
    const blocked = await rt.api('POST', '/api/auth/login', { body: { email: 'bob@example.test', password: 'bobs long password' } });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('rate_limited');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('rate-limits failed logins per address across accounts', async () => {
    const strict = await createTestRuntime({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '100', LOGIN_MAX_FAILURES_PER_ADDRESS: '4' });
    try {
      for (let i = 0; i < 4; i++) {
        const r = await strict.api('POST', '/api/auth/login', { body: { email: `nobody${i}@example.test`, password: 'whatever it is' } });
        expect(r.status).toBe(401);
      }
      const r = await strict.api('POST', '/api/auth/login', { body: { email: 'someone-else@example.test', password: 'whatever it is' } });
      expect(r.status).toBe(429);
    } finally {
      await strict.destroy();
    }
  });

  it('rate-limits sign-ups per address with Retry-After, before any account is made', async () => {
    const proxied = await createTestRuntime({ TRUST_PROXY: 'true', SIGNUP_MAX_PER_ADDRESS: '3' });
    try {
      const signup = (email: string, ip: string) =>
        proxied.api('POST', '/api/auth/signup', { body: { email, password: 'a long enough password' }, headers: { 'x-forwarded-for': ip } });
      for (let i = 0; i < 2; i++) expect((await signup(`s${i}@example.test`, '203.0.113.7')).status).toBe(201);
      // A refused attempt (taken email) costs a hash too, so it counts.
      expect((await signup('s0@example.test', '203.0.113.7')).status).toBe(409);
      const users = async () => Number((await proxied.deps.db.selectFrom('users').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n);
      const before = await users();
      const blocked = await signup('one-more@example.test', '203.0.113.7');
      expect(blocked.status).toBe(429);
      expect(blocked.body.error.code).toBe('rate_limited');
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await users()).toBe(before);
      expect(await proxied.deps.db.selectFrom('users').select('id').where('email', '=', 'one-more@example.test').execute()).toEqual([]);
      // Another address is not affected; logins from the limited one still work.
      expect((await signup('one-more@example.test', '198.51.100.2')).status).toBe(201);
      const login = await proxied.api('POST', '/api/auth/login', { body: { email: 's1@example.test', password: 'a long enough password' }, headers: { 'x-forwarded-for': '203.0.113.7' } });
      expect(login.status).toBe(200);
    } finally {
      await proxied.destroy();
    }
  });

  it('rejects an expired session, also one the gateway verified a moment before it expired', async () => {
    const u = await rt.signup();
    const expiresAt = new Date(Date.now() + 400);
    await rt.deps.db.updateTable('sessions').set({ expires_at: expiresAt }).where('user_id', '=', u.userId).execute();
    expect((await rt.api('GET', '/api/me', { token: u.token })).status).toBe(200);
    await new Promise((r) => setTimeout(r, expiresAt.getTime() - Date.now() + 20));
    const r = await rt.api('GET', '/api/me', { token: u.token });
    expect(r.status).toBe(401);
    expect(r.body.error.message).toMatch(/expired|sign in/i);
  });

  it('a login deletes expired sessions (of every user) and keeps live ones', async () => {
    const a = await rt.signup(undefined, 'a long enough password');
    const b = await rt.signup();
    const sessionsOf = (userId: string) => rt.deps.db.selectFrom('sessions').select(['id', 'expires_at']).where('user_id', '=', userId).execute();
    // b has one expired session and one live one (a second sign-in).
    const bLive = await rt.api('POST', '/api/auth/login', { body: { email: b.email, password: 'a long enough password' } });
    await rt.deps.db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000) }).where('token_hash', '=', hashToken(b.token)).execute();
    const expiredBefore = (await sessionsOf(b.userId)).filter((s) => new Date(s.expires_at) <= new Date());
    expect(expiredBefore).toHaveLength(1);
    expect(await sessionsOf(b.userId)).toHaveLength(2);
    const login = await rt.api('POST', '/api/auth/login', { body: { email: a.email, password: 'a long enough password' } });
    expect(login.status).toBe(200);
    const left = await sessionsOf(b.userId);
    expect(left).toHaveLength(1);
    expect(left[0].id).not.toBe(expiredBefore[0].id);
    expect((await rt.api('GET', '/api/me', { token: bLive.body.token })).status).toBe(200);
    expect(await sessionsOf(a.userId)).toHaveLength(2);
  });

  it('deleting the account purges every row and key of that user, and only theirs', async () => {
    const victim = await rt.signup();
    const bystander = await rt.signup();
    for (const u of [victim, bystander]) {
      const it = await rt.api('POST', '/api/vault/items', { token: u.token, body: { kind: 'note', title: 'n', text: 'some words' } });
      expect(it.status).toBe(201);
      expect((await rt.api('POST', '/api/vault/rules', { token: u.token, body: { kind: 'note', shareWithAi: true } })).status).toBe(201);
      expect((await rt.api('POST', '/api/tokens', { token: u.token, body: { name: 'cli' } })).status).toBe(201);
      await rt.deps.audit.recordDisclosure({ userId: u.userId, model: 'm', purpose: 'chat', itemIds: [it.body.id] });
    }
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.columns
      where column_name = 'user_id' and table_schema = 'public'`.execute(rt.deps.db);
    expect(tables.rows.length).toBeGreaterThanOrEqual(7);
    const count = async (userId: string) => {
      let n = 0;
      for (const t of tables.rows) {
        const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(t.table_name)} where user_id = ${userId}`.execute(rt.deps.db);
        n += r.rows[0].n;
      }
      return n;
    };
    expect(await count(victim.userId)).toBeGreaterThan(5);
    const del = await rt.api('DELETE', '/api/me', { token: victim.token, body: { password: 'a long enough password' } });
    expect(del.status).toBe(204);
    expect(await count(victim.userId)).toBe(0);
    expect(await rt.deps.db.selectFrom('users').where('id', '=', victim.userId).selectAll().execute()).toHaveLength(0);
    expect(await count(bystander.userId)).toBeGreaterThan(5);
    expect((await rt.api('GET', '/api/me', { token: victim.token })).status).toBe(401);
    expect((await rt.api('GET', '/api/vault/items', { token: bystander.token })).body.items).toHaveLength(1);
  });

  it('deleting the account removes its queued upload files, and nobody else\'s nor the user\'s own files', async () => {
    const victim = await rt.signup();
    const bystander = await rt.signup();
    const importDir = join(rt.dataDir, 'imports');
    const upload = async (token: string) => {
      const before = new Set(existsSync(importDir) ? readdirSync(importDir) : []);
      const r = await rt.api('POST', '/api/imports/apple-health', { token, body: '<HealthData></HealthData>', headers: { 'content-type': 'application/xml' } });
      expect(r.status).toBe(202);
      const added = readdirSync(importDir).filter((f) => !before.has(f));
      expect(added).toHaveLength(1);
      return join(importDir, added[0]);
    };
    const victimUpload = await upload(victim.token);
    const bystanderUpload = await upload(bystander.token);
    // A CLI import of the user's own file: its job keeps the file (deleteAfter false).
    const ownFile = join(rt.dataDir, 'my-export.xml.upload');
    writeFileSync(ownFile, '<HealthData></HealthData>');
    await insertJob(rt.deps.db, { id: randomUUID(), userId: victim.userId, type: 'apple-health.import', params: { path: ownFile, deleteAfter: false }, dedupeKey: null, unit: 'bytes' });
    expect(existsSync(victimUpload)).toBe(true);

    expect((await rt.api('DELETE', '/api/me', { token: victim.token, body: { password: 'a long enough password' } })).status).toBe(204);
    expect(existsSync(victimUpload)).toBe(false);
    expect(existsSync(bystanderUpload)).toBe(true);
    expect(existsSync(ownFile)).toBe(true);
    expect(await rt.deps.db.selectFrom('jobs').select('id').where('user_id', '=', victim.userId).execute()).toEqual([]);
  });

  it('personal API tokens are shown once, stored hashed, listed and revoked', async () => {
    const u = await rt.signup();
    const created = await rt.api('POST', '/api/tokens', { token: u.token, body: { name: 'my chat app' } });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^cvt_/);
    const list = await rt.api('GET', '/api/tokens', { token: u.token });
    expect(list.body.tokens).toHaveLength(1);
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);
    const row = await rt.deps.db.selectFrom('api_tokens').selectAll().where('id', '=', created.body.id).executeTakeFirstOrThrow();
    expect(row.token_hash.toString('latin1')).not.toContain(created.body.token);
    // API tokens are for the OpenAI-compatible endpoint, not for the session API.
    expect((await rt.api('GET', '/api/vault/items', { token: created.body.token })).status).toBe(401);
    expect((await rt.deps.accounts.authenticate(created.body.token, ['api_token'])).userId).toBe(u.userId);
    expect((await rt.api('DELETE', `/api/tokens/${created.body.id}`, { token: u.token })).status).toBe(204);
    await expect(rt.deps.accounts.authenticate(created.body.token, ['api_token'])).rejects.toThrow(/expired|not valid/);
  });
});
