import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Browser, startSmartWorld, waitForJob, type SmartWorld } from './support/harness.ts';

let w: SmartWorld;
beforeAll(async () => {
  w = await startSmartWorld();
});
afterAll(async () => {
  await w?.close();
});
afterEach(() => {
  w.as.behaviour.accessTokenTtl = 3600;
  w.as.behaviour.omitRefreshTokenOnRefresh = false;
});

/** Time passes: the stored access token now expires within the refresh margin. */
const nearExpiry = (userId: string) =>
  w.rt.deps.db.updateTable('connections').set({ expires_at: new Date(Date.now() + 30_000) }).where('user_id', '=', userId).execute();

const row = (userId: string) => w.rt.deps.db.selectFrom('connections').selectAll().where('user_id', '=', userId).executeTakeFirst();

async function connected(provider = 'epic') {
  const user = await w.rt.signup();
  const landing = await new Browser(w.gateway, user.token).connect(provider);
  expect(landing.params.get('connected')).toBe(provider);
  const job = await waitForJob(w.rt, user.token, landing.params.get('jobId')!);
  expect(job.status).toBe('succeeded');
  return user;
}

async function sync(token: string, provider = 'epic') {
  const r = await w.rt.api('POST', `/api/integrations/${provider}/sync`, { token });
  expect(r.status).toBe(202);
  return waitForJob(w.rt, token, r.body.jobId);
}

describe('token upkeep', () => {
  it('refreshes ahead of expiry and stores the rotated refresh token', async () => {
    const user = await connected();
    const before = (await row(user.userId))!;
    await nearExpiry(user.userId);
    const refreshes = w.as.grants.refresh_token ?? 0;
    const job = await sync(user.token);
    expect(job.status).toBe('succeeded');
    expect(w.as.grants.refresh_token).toBe(refreshes + 1);
    const after = (await row(user.userId))!;
    expect(after.access_token_enc!.equals(before.access_token_enc!)).toBe(false);
    expect(after.refresh_token_enc!.equals(before.refresh_token_enc!)).toBe(false);
    expect(new Date(after.expires_at!).getTime()).toBeGreaterThan(Date.now() + 3000_000);
  });

  it('keeps the refresh token it has when the answer carries none, and it keeps working', async () => {
    w.as.behaviour.omitRefreshTokenOnRefresh = true;
    const user = await connected();
    const before = (await row(user.userId))!;
    await nearExpiry(user.userId);
    const refreshes = w.as.grants.refresh_token ?? 0;
    expect((await sync(user.token)).status).toBe('succeeded');
    const mid = (await row(user.userId))!;
    expect(mid.refresh_token_enc!.equals(before.refresh_token_enc!)).toBe(true);
    expect(mid.access_token_enc!.equals(before.access_token_enc!)).toBe(false);
    // The kept refresh token is used again for the next sync.
    await nearExpiry(user.userId);
    expect((await sync(user.token)).status).toBe('succeeded');
    expect(w.as.grants.refresh_token).toBe(refreshes + 2);
  });

  it('a revoked grant fails the sync and marks the connection needs_reconnect, dropping its tokens', async () => {
    const user = await connected();
    await w.as.revokeGrantOf(w.fhir.lastToken);
    const job = await sync(user.token);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/connect again/);
    const r = (await row(user.userId))!;
    expect(r.status).toBe('needs_reconnect');
    expect(r.access_token_enc).toBeNull();
    expect(r.refresh_token_enc).toBeNull();
    const list = await w.rt.api('GET', '/api/integrations', { token: user.token });
    expect(list.body.integrations.find((i: any) => i.provider === 'epic').status).toBe('needs_reconnect');
    const again = await w.rt.api('POST', '/api/integrations/epic/sync', { token: user.token });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('needs_reconnect');
    // Connecting again repairs it.
    const landing = await new Browser(w.gateway, user.token).connect('epic');
    expect(landing.params.get('connected')).toBe('epic');
    expect((await row(user.userId))!.status).toBe('connected');
    await waitForJob(w.rt, user.token, landing.params.get('jobId')!);
  });
});

describe('disconnect', () => {
  it('revokes at the provider, deletes the tokens and keeps the imported items', async () => {
    const user = await connected('sandbox-secret');
    const token = w.fhir.lastToken;
    expect(await w.as.isValid(token)).toBe(true);
    const items = await w.rt.api('GET', '/api/vault/items?source=sandbox-secret&limit=1', { token: user.token });
    expect(items.body.items).toHaveLength(1);
    const r = await w.rt.api('DELETE', '/api/integrations/sandbox-secret', { token: user.token });
    expect(r.status).toBe(204);
    expect(await row(user.userId)).toBeUndefined();
    expect(await w.as.isValid(token)).toBe(false);
    const list = await w.rt.api('GET', '/api/integrations', { token: user.token });
    expect(list.body.integrations.find((i: any) => i.provider === 'sandbox-secret').status).toBe('not_connected');
    expect((await w.rt.api('GET', '/api/vault/items?source=sandbox-secret&limit=1', { token: user.token })).body.items).toHaveLength(1);
    const sync = await w.rt.api('POST', '/api/integrations/sandbox-secret/sync', { token: user.token });
    expect(sync.status).toBe(409);
    expect(sync.body.error.code).toBe('not_connected');
  });

  it('a cookie-authenticated disconnect needs the CSRF header', async () => {
    const user = await connected();
    const r = await w.rt.api('DELETE', '/api/integrations/epic', { headers: { cookie: `cv_session=${user.token}` } });
    expect(r.status).toBe(403);
    expect(await row(user.userId)).toBeDefined();
  });
});
