import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';

let rt: TestRuntime;
beforeAll(async () => {
  // Behind a trusted proxy, so each test chooses the client's address.
  rt = await createTestRuntime({ TRUST_PROXY: 'true', LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', LOGIN_MAX_FAILURES_PER_ADDRESS: '1000' });
});
afterAll(() => rt?.destroy());

const PASSWORD = 'violet kettle marches north';
const count = async (table: 'users' | 'sessions' | 'items') => Number((await rt.deps.db.selectFrom(table).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n);

/** The value of one Set-Cookie of a response, or undefined. */
function cookie(headers: Headers, name: string): string | undefined {
  const c = headers.getSetCookie().find((s) => s.startsWith(`${name}=`));
  return c?.split(';')[0].slice(name.length + 1);
}

const login = (email: string, password: string, ip: string, device?: string) =>
  rt.api('POST', '/api/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': ip, ...(device ? { cookie: `cv_device=${device}` } : {}) } });

describe('password strength', () => {
  it.each(['aaaaaaaaaa', 'password123', 'qwertyuiop12'])('refuses the guessable password %s at sign-up, says what would help, creates nothing', async (password) => {
    const before = await count('users');
    const r = await rt.api('POST', '/api/auth/signup', { body: { email: 'weak@example.test', password } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('validation_failed');
    expect(r.body.error.message).toContain('"password"');
    expect(r.body.error.message).toMatch(/too easy to guess/);
    expect(r.body.error.message).toMatch(/words/); // advice
    expect(JSON.stringify(r.body)).not.toContain(password);
    expect(await count('users')).toBe(before);
  });
});

describe('sign-in back-off', () => {
  it('slows an attacker, more with every failure, while the owner’s own browser still gets in with the right password', async () => {
    const email = 'owner@example.test';
    const signup = await rt.api('POST', '/api/auth/signup', { body: { email, password: PASSWORD }, headers: { 'x-forwarded-for': '198.51.100.1' } });
    expect(signup.status).toBe(201);
    const ownersDevice = cookie(signup.headers, 'cv_device')!;
    expect(ownersDevice).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(signup.headers.getSetCookie().find((s) => s.startsWith('cv_device='))).toMatch(/HttpOnly/i);

    for (let i = 0; i < 3; i++) expect((await login(email, 'guess number one', '203.0.113.9')).status).toBe(401);
    const first = await login(email, 'guess number two', '203.0.113.9');
    expect(first.status).toBe(429);
    expect(first.body.error.code).toBe('rate_limited');
    expect(Number(first.headers.get('retry-after'))).toBe(1);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await login(email, 'guess number three', '203.0.113.9')).status).toBe(401);
    const second = await login(email, 'guess number four', '203.0.113.9');
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBe(2); // doubled

    // The right password from a browser nobody knows waits too (the attacker could have it)...
    expect((await login(email, PASSWORD, '192.0.2.44')).status).toBe(429);
    // ...but the owner's browser, which signed in before, is not locked out by the attack.
    const owner = await login(email, PASSWORD, '198.51.100.1', ownersDevice);
    expect(owner.status).toBe(200);
    expect(owner.body.token).toMatch(/^cvs_/);
    // A device cookie of another account, or a tampered one, counts for nothing.
    const other = await rt.api('POST', '/api/auth/signup', { body: { email: 'other@example.test', password: PASSWORD } });
    expect((await login(email, PASSWORD, '198.51.100.1', cookie(other.headers, 'cv_device'))).status).toBe(429);
    expect((await login(email, PASSWORD, '198.51.100.1', `${ownersDevice.split('.')[0]}.AAAA${ownersDevice.split('.')[1].slice(4)}`)).status).toBe(429);
  });

  it('the owner’s browser has its own back-off: guessing with a stolen device cookie is slowed too', async () => {
    const email = 'device@example.test';
    const signup = await rt.api('POST', '/api/auth/signup', { body: { email, password: PASSWORD } });
    const device = cookie(signup.headers, 'cv_device')!;
    for (let i = 0; i < 3; i++) expect((await login(email, 'wrong guess here', '198.51.100.7', device)).status).toBe(401);
    expect((await login(email, PASSWORD, '198.51.100.7', device)).status).toBe(429);
    // Those failures were the device's: the account itself is not backed off for others.
    expect((await login(email, PASSWORD, '192.0.2.80')).status).toBe(200);
  });
});

describe('confirming the password', () => {
  it('DELETE /api/me needs the current password: without it or with a wrong one nothing is deleted', async () => {
    const u = await rt.signup(undefined, PASSWORD);
    await rt.api('POST', '/api/vault/items', { token: u.token, body: { kind: 'note', title: 'keep me' } });
    const [users, items] = [await count('users'), await count('items')];
    const none = await rt.api('DELETE', '/api/me', { token: u.token });
    expect(none.status).toBe(415);
    const empty = await rt.api('DELETE', '/api/me', { token: u.token, body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toContain('"password"');
    const wrong = await rt.api('DELETE', '/api/me', { token: u.token, body: { password: 'not my password at all' } });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('wrong_password');
    expect(wrong.body.error.message).toContain('"password"');
    expect(JSON.stringify(wrong.body)).not.toContain('not my password');
    expect([await count('users'), await count('items')]).toEqual([users, items]);
    expect((await rt.api('GET', '/api/me', { token: u.token })).status).toBe(200);
    const ok = await rt.api('DELETE', '/api/me', { token: u.token, body: { password: PASSWORD } });
    expect(ok.status).toBe(204);
    expect(ok.headers.getSetCookie().find((c) => c.startsWith('cv_device='))).toMatch(/Max-Age=0/i);
    expect(await count('users')).toBe(users - 1);
    expect((await rt.api('GET', '/api/me', { token: u.token })).status).toBe(401);
  });

  it('POST /api/auth/password changes the password: other sessions end, this one and API tokens stay', async () => {
    const u = await rt.signup(undefined, PASSWORD);
    const other = await rt.api('POST', '/api/auth/login', { body: { email: u.email, password: PASSWORD } });
    const apiToken = (await rt.api('POST', '/api/tokens', { token: u.token, body: { name: 'script' } })).body.token;
    const hashBefore = (await rt.deps.db.selectFrom('users').select('password_hash').where('id', '=', u.userId).executeTakeFirstOrThrow()).password_hash;

    const wrong = await rt.api('POST', '/api/auth/password', { token: u.token, body: { currentPassword: 'not my password at all', newPassword: 'amber falcon quietly sings' } });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('wrong_password');
    expect(wrong.body.error.message).toContain('"currentPassword"');
    const weak = await rt.api('POST', '/api/auth/password', { token: u.token, body: { currentPassword: PASSWORD, newPassword: 'aaaaaaaaaa' } });
    expect(weak.status).toBe(400);
    expect(weak.body.error.message).toContain('"newPassword"');
    const same = await rt.api('POST', '/api/auth/password', { token: u.token, body: { currentPassword: PASSWORD, newPassword: PASSWORD } });
    expect(same.status).toBe(400);
    expect((await rt.deps.db.selectFrom('users').select('password_hash').where('id', '=', u.userId).executeTakeFirstOrThrow()).password_hash).toBe(hashBefore);
    expect((await rt.api('GET', '/api/me', { token: other.body.token })).status).toBe(200);

    const ok = await rt.api('POST', '/api/auth/password', { token: u.token, body: { currentPassword: PASSWORD, newPassword: 'amber falcon quietly sings' } });
    expect(ok.status).toBe(200);
    expect(ok.body.endedSessions).toBe(1);
    expect((await rt.api('GET', '/api/me', { token: u.token })).status).toBe(200);
    expect((await rt.api('GET', '/api/me', { token: other.body.token })).status).toBe(401);
    expect((await rt.api('GET', '/v1/models', { token: apiToken })).status).toBe(200);
    expect((await rt.api('POST', '/api/auth/login', { body: { email: u.email, password: PASSWORD } })).status).toBe(401);
    expect((await rt.api('POST', '/api/auth/login', { body: { email: u.email, password: 'amber falcon quietly sings' } })).status).toBe(200);
  });

  it('an API token cannot change the password or delete the account', async () => {
    const u = await rt.signup(undefined, PASSWORD);
    const apiToken = (await rt.api('POST', '/api/tokens', { token: u.token, body: { name: 'script' } })).body.token;
    expect((await rt.api('POST', '/api/auth/password', { token: apiToken, body: { currentPassword: PASSWORD, newPassword: 'amber falcon quietly sings' } })).status).toBe(401);
    expect((await rt.api('DELETE', '/api/me', { token: apiToken, body: { password: PASSWORD } })).status).toBe(401);
  });
});

describe('HSTS only over https', () => {
  it('is not sent over plain http', async () => {
    const r = await rt.app.request('/health');
    expect(r.headers.get('strict-transport-security')).toBeNull();
    expect((await rt.app.request('/health', { headers: { 'x-forwarded-proto': 'http' } })).headers.get('strict-transport-security')).toBeNull();
  });

  it('is sent when a trusted proxy says the client came over https', async () => {
    const r = await rt.app.request('/health', { headers: { 'x-forwarded-proto': 'https' } });
    expect(r.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  });

  it('is sent when PUBLIC_URL is https, and an untrusted X-Forwarded-Proto changes nothing', async () => {
    const httpsRt = await createTestRuntime({ PUBLIC_URL: 'https://vault.example.test' });
    const plainRt = await createTestRuntime();
    try {
      expect((await httpsRt.app.request('/health')).headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect((await plainRt.app.request('/health', { headers: { 'x-forwarded-proto': 'https' } })).headers.get('strict-transport-security')).toBeNull();
    } finally {
      await httpsRt.destroy();
      await plainRt.destroy();
    }
  });
});
