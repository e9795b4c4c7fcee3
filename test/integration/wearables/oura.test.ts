import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { findConnection } from '../../../src/db/wearables.ts';
import { startFakeOura, type FakeOura } from './fake-oura.ts';

let rt: TestRuntime;
let oura: FakeOura;
const today = new Date().toISOString().slice(0, 10);
const day = (offset: number) => new Date(Date.parse(`${today}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  oura = await startFakeOura(today);
  rt = await createTestRuntime({
    OURA_CLIENT_ID: oura.clientId,
    OURA_CLIENT_SECRET: oura.clientSecret,
    OURA_API_URL: oura.url,
    OURA_AUTHORIZE_URL: `${oura.url}/oauth/authorize`,
    PUBLIC_URL: 'http://127.0.0.1:8080',
  });
  await rt.deps.jobs.start();
});
afterAll(async () => {
  await rt?.destroy();
  await oura?.close();
});

async function waitForJob(token: string, jobId: string) {
  for (let i = 0; i < 400; i++) {
    const r = await rt.api('GET', `/api/jobs/${jobId}`, { token });
    if (r.body.status === 'succeeded' || r.body.status === 'failed') return r.body;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('job did not finish');
}

/** The browser's round trip: connect → Oura's authorize page (auto-approved here) → our callback. */
async function connect(token: string): Promise<string> {
  const start = await rt.api('GET', '/api/wearables/oura/connect', { token });
  expect(start.status).toBe(302);
  const authorize = new URL(start.headers.get('location')!);
  expect(authorize.origin + authorize.pathname).toBe(`${oura.url}/oauth/authorize`);
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  // Oura's scope names: SpO2 is `spo2Daily`.
  expect(authorize.searchParams.get('scope')?.split(' ').sort()).toEqual(['daily', 'heartrate', 'personal', 'spo2Daily']);
  expect(authorize.searchParams.get('redirect_uri')).toBe('http://127.0.0.1:8080/api/wearables/oura/callback');
  const approved = await fetch(authorize, { redirect: 'manual' });
  expect(approved.status).toBe(302);
  const back = new URL(approved.headers.get('location')!);
  const done = await rt.api('GET', back.pathname + back.search, { token });
  expect(done.status).toBe(302);
  const jobId = new URL(done.headers.get('location')!, 'http://x').searchParams.get('jobId')!;
  return jobId;
}

async function itemText(token: string, sourceId: string): Promise<string> {
  const list = await rt.api('GET', '/api/vault/items?source=oura&limit=500', { token });
  const hit = list.body.items.find((i: { sourceId: string }) => i.sourceId === sourceId);
  if (!hit) throw new Error(`no item ${sourceId}`);
  return (await rt.api('GET', `/api/vault/items/${hit.id}`, { token })).body.text;
}

describe('Oura API v2 through the wearable framework', () => {
  it('connects with PKCE, stores sealed tokens and syncs daily activity, readiness, sleep, SpO2 and heart rate', async () => {
    const { token, userId } = await rt.signup();
    const job = await waitForJob(token, await connect(token));
    expect(job.type).toBe('wearable.sync');
    expect(job.status).toBe('succeeded');
    expect(job.progress).toEqual({ done: 90, total: 90, unit: 'days' });
    expect(job.result).toMatchObject({ from: day(-89), to: today, windows: 3 });
    // Paging was followed: heart rate has 5 documents over 3 pages in the window holding them.
    expect(oura.requests.filter((r) => r.path.endsWith('/heartrate') && r.query.next_token).length).toBeGreaterThanOrEqual(2);

    expect(await itemText(token, `steps:${day(-2)}`)).toBe(`Steps on ${day(-2)}: 8,412 steps (Oura). LOINC 55423-8.`);
    expect(await itemText(token, `readiness:${day(-1)}`)).toContain(`Readiness score on ${day(-1)}: 76`);
    const sleep = await itemText(token, `sleep:${day(-2)}`);
    expect(sleep).toContain('asleep 7 h 10 min (core 3 h 50 min, deep 1 h 30 min, REM 1 h 50 min)');
    expect(sleep).toContain('from 23:21 to 07:02');
    expect(await itemText(token, `heart-rate:${day(-2)}`)).toContain('resting 49, average 82, min 61, max 122 bpm from 3 readings (Oura)');
    expect(await itemText(token, `spo2:${day(-2)}`)).toContain('97 %');

    const row = await findConnection(rt.deps.db, userId, 'oura');
    expect(row?.status).toBe('connected');
    expect(row?.synced_through).toBe(today);
    // Tokens are ciphertext: neither token appears in the stored bytes.
    expect(row!.tokens_enc.toString('latin1')).not.toMatch(/at_|rt_/);
    const list = await rt.api('GET', '/api/wearables', { token });
    expect(list.body.providers).toEqual([{ id: 'oura', name: 'Oura', connected: true, status: 'connected', syncedThrough: today, lastSyncAt: expect.any(String), lastSyncJobId: job.id }]);
  });

  it('syncs incrementally, refreshes single-use refresh tokens once each, and re-syncing changes nothing', async () => {
    const { token } = await rt.signup();
    oura.accessTtlS = 30; // under the 60 s early-refresh margin: every request path needs a refresh
    try {
      await waitForJob(token, await connect(token));
      const grantsBefore = oura.refreshGrants;
      const mark = oura.requests.length;
      const again = await rt.api('POST', '/api/wearables/oura/sync', { token });
      expect(again.status).toBe(202);
      const job = await waitForJob(token, again.body.jobId);
      expect(job.status).toBe('succeeded');
      // From two days before the last synced day, one window.
      expect(job.result).toMatchObject({ from: day(-2), to: today, windows: 1, samplesAdded: 0, samplesReplaced: 0, itemsInserted: 0, itemsUpdated: 0 });
      expect(oura.requests.slice(mark).find((r) => r.path.endsWith('/daily_activity'))?.query.start_date).toBe(day(-2));
      expect(oura.refreshGrants).toBeGreaterThan(grantsBefore);
      expect(oura.reusedRefreshTokens).toBe(0);
    } finally {
      oura.accessTtlS = 3600;
    }
  });

  it("a day's revised total replaces the old value instead of adding to it", async () => {
    const { token } = await rt.signup();
    await waitForJob(token, await connect(token));
    oura.stepsOverride.set(0, 2500);
    try {
      const job = await waitForJob(token, (await rt.api('POST', '/api/wearables/oura/sync', { token })).body.jobId);
      expect(job.result).toMatchObject({ samplesAdded: 0, samplesReplaced: 1, itemsUpdated: 1 });
      expect(await itemText(token, `steps:${today}`)).toBe(`Steps on ${today}: 2,500 steps (Oura). LOINC 55423-8.`);
    } finally {
      oura.stepsOverride.clear();
    }
  });

  it('waits out a 429 as Retry-After says, and refreshes once on a 401', async () => {
    const { token } = await rt.signup();
    await waitForJob(token, await connect(token));
    oura.rateLimitNext.set('daily_readiness', 1);
    const mark = oura.requests.length;
    const job = await waitForJob(token, (await rt.api('POST', '/api/wearables/oura/sync', { token })).body.jobId);
    expect(job.status).toBe('succeeded');
    expect(job.result.rateLimitWaits).toBe(1);
    const calls = oura.requests.slice(mark).filter((r) => r.path.endsWith('/daily_readiness'));
    expect(calls.length).toBe(2);
    expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(950);

    const grants = oura.refreshGrants;
    oura.unauthorizedNext = true;
    const after401 = await waitForJob(token, (await rt.api('POST', '/api/wearables/oura/sync', { token })).body.jobId);
    expect(after401.status).toBe('succeeded');
    expect(oura.refreshGrants).toBe(grants + 1);
  });

  it('a revoked grant fails the sync with a clear message and marks the connection for reauthorization', async () => {
    const { token, userId } = await rt.signup();
    await waitForJob(token, await connect(token));
    oura.revokeAll();
    const job = await waitForJob(token, (await rt.api('POST', '/api/wearables/oura/sync', { token })).body.jobId);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/connect it again/);
    expect((await findConnection(rt.deps.db, userId, 'oura'))?.status).toBe('reauthorize');
  });

  it("refuses a callback with an unknown, reused or another user's state", async () => {
    const a = await rt.signup();
    const b = await rt.signup();
    const start = await rt.api('GET', '/api/wearables/oura/connect', { token: a.token });
    const approved = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const back = new URL(approved.headers.get('location')!);
    // The browser always goes back to the web client with a reason it can explain.
    const stolen = await rt.api('GET', back.pathname + back.search, { token: b.token });
    expect(stolen.status).toBe(302);
    expect(stolen.headers.get('location')).toBe('/?wearable=oura&status=invalid_state');
    // Single use: the state was consumed by the refused attempt too.
    const late = await rt.api('GET', back.pathname + back.search, { token: a.token });
    expect(late.headers.get('location')).toBe('/?wearable=oura&status=invalid_state');
    const bogus = await rt.api('GET', '/api/wearables/oura/callback?code=x&state=nope', { token: a.token });
    expect(bogus.headers.get('location')).toBe('/?wearable=oura&status=invalid_state');
    expect(await findConnection(rt.deps.db, b.userId, 'oura')).toBeUndefined();
    expect(await findConnection(rt.deps.db, a.userId, 'oura')).toBeUndefined();
  });

  it('a refused consent or a lost session comes back to the web client, connecting nothing', async () => {
    const a = await rt.signup();
    const start = await rt.api('GET', '/api/wearables/oura/connect', { token: a.token });
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const denied = await rt.api('GET', `/api/wearables/oura/callback?error=access_denied&state=${state}`, { token: a.token });
    expect(denied.status).toBe(302);
    expect(denied.headers.get('location')).toBe('/?wearable=oura&status=access_denied');
    const noSession = await rt.api('GET', '/api/wearables/oura/callback?code=x&state=y', {});
    expect(noSession.headers.get('location')).toBe('/?wearable=oura&status=not_signed_in');
    expect(await findConnection(rt.deps.db, a.userId, 'oura')).toBeUndefined();
  });

  it('disconnecting forgets the tokens; syncing then is a 404; unknown providers are 404', async () => {
    const { token, userId } = await rt.signup();
    await waitForJob(token, await connect(token));
    expect((await rt.api('DELETE', '/api/wearables/oura', { token })).status).toBe(204);
    expect(await findConnection(rt.deps.db, userId, 'oura')).toBeUndefined();
    expect((await rt.api('POST', '/api/wearables/oura/sync', { token })).status).toBe(404);
    expect((await rt.api('GET', '/api/wearables/withings/connect', { token })).status).toBe(404);
    expect((await rt.api('GET', '/api/wearables', {})).status).toBe(401);
  });
});
