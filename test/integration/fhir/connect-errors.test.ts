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
  w.as.behaviour.consent = 'approve';
  w.as.behaviour.omitPatient = false;
  w.as.behaviour.fhirUser = 'patient';
});

async function connectionsOf(userId: string) {
  return w.rt.deps.db.selectFrom('connections').selectAll().where('user_id', '=', userId).execute();
}

/** The `state` the gateway put in its redirect to the authorization server. */
async function startedState(token: string, provider = 'epic'): Promise<string> {
  const res = await fetch(`${w.gateway}/api/integrations/${provider}/connect`, { redirect: 'manual', headers: { cookie: `cv_session=${token}` } });
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location')!);
  expect(location.origin).toBe(w.as.url);
  return location.searchParams.get('state')!;
}

async function callback(token: string | undefined, query: Record<string, string>, provider = 'epic'): Promise<URLSearchParams> {
  const res = await fetch(`${w.gateway}/api/integrations/${provider}/callback?${new URLSearchParams(query)}`, {
    redirect: 'manual',
    headers: token ? { cookie: `cv_session=${token}` } : {},
  });
  expect(res.status).toBe(302);
  const location = res.headers.get('location')!;
  expect(location.startsWith(`${w.gateway}/#/connections?`)).toBe(true);
  return new URLSearchParams(location.split('#/connections?')[1]);
}

describe('the connect request', () => {
  it('asks for code + PKCE S256, state, aud = the FHIR base and the SMART scopes', async () => {
    const user = await w.rt.signup();
    const res = await fetch(`${w.gateway}/api/integrations/epic/connect`, { redirect: 'manual', headers: { authorization: `Bearer ${user.token}` } });
    expect(res.status).toBe(302);
    const u = new URL(res.headers.get('location')!);
    expect(`${u.origin}${u.pathname}`).toBe(`${w.as.url}/auth`);
    expect(u.searchParams.get('response_type')).toBe('code');
    expect(u.searchParams.get('code_challenge_method')).toBe('S256');
    expect(u.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(u.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(u.searchParams.get('aud')).toBe(w.fhir.base);
    expect(u.searchParams.get('redirect_uri')).toBe(`${w.gateway}/api/integrations/epic/callback`);
    const scopes = u.searchParams.get('scope')!.split(' ');
    for (const s of ['openid', 'fhirUser', 'launch/patient', 'offline_access', 'patient/Observation.read', 'patient/DocumentReference.read']) expect(scopes).toContain(s);
  });

  it('a provider that does not answer discovery sends the browser back with provider_unavailable', async () => {
    const user = await w.rt.signup();
    const landing = await new Browser(w.gateway, user.token).connect('offline');
    expect(landing.params.get('error')).toBe('provider_unavailable');
    expect(await connectionsOf(user.userId)).toEqual([]);
    expect(await w.rt.deps.db.selectFrom('oauth_states').selectAll().where('user_id', '=', user.userId).execute()).toEqual([]);
  });

  it('needs a signed-in user and a configured provider', async () => {
    expect((await w.rt.api('GET', '/api/integrations/epic/connect')).status).toBe(401);
    const user = await w.rt.signup();
    const r = await w.rt.api('GET', '/api/integrations/nope/connect', { token: user.token });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('not_found');
  });
});

describe('a callback that must not connect', () => {
  it('denied consent comes back as access_denied and stores nothing', async () => {
    const user = await w.rt.signup();
    w.as.behaviour.consent = 'deny';
    const landing = await new Browser(w.gateway, user.token).connect('epic');
    expect(landing.params.get('error')).toBe('access_denied');
    expect(landing.params.get('connected')).toBeNull();
    expect(await connectionsOf(user.userId)).toEqual([]);
  });

  it('a provider error is passed on by its code, and the state is spent', async () => {
    const user = await w.rt.signup();
    const state = await startedState(user.token);
    const params = await callback(user.token, { error: 'temporarily_unavailable', error_description: 'down for maintenance', state });
    expect(params.get('error')).toBe('temporarily_unavailable');
    expect(await connectionsOf(user.userId)).toEqual([]);
    expect((await callback(user.token, { code: 'x', state })).get('error')).toBe('invalid_state');
  });

  it('a forged state is refused', async () => {
    const user = await w.rt.signup();
    await startedState(user.token);
    const params = await callback(user.token, { code: 'whatever', state: 'forged-state-value-1234567890' });
    expect(params.get('error')).toBe('invalid_state');
    expect(await connectionsOf(user.userId)).toEqual([]);
  });

  it('a state older than ten minutes is refused as expired', async () => {
    const user = await w.rt.signup();
    const landing = await new Browser(w.gateway, user.token).connect('epic', { stopAtCallback: true });
    await w.rt.deps.db.updateTable('oauth_states').set({ expires_at: new Date(Date.now() - 1000) }).where('user_id', '=', user.userId).execute();
    const res = await fetch(landing.callbackUrl!, { redirect: 'manual', headers: { cookie: `cv_session=${user.token}` } });
    expect(res.headers.get('location')).toContain('error=state_expired');
    expect(await connectionsOf(user.userId)).toEqual([]);
  });

  it('a replayed callback is refused and leaves the existing connection as it was', async () => {
    const user = await w.rt.signup();
    const landing = await new Browser(w.gateway, user.token).connect('epic');
    expect(landing.params.get('connected')).toBe('epic');
    const [before] = await connectionsOf(user.userId);
    const replay = await fetch(landing.callbackUrl!, { redirect: 'manual', headers: { cookie: `cv_session=${user.token}` } });
    expect(replay.headers.get('location')).toContain('error=invalid_state');
    const [after] = await connectionsOf(user.userId);
    expect(after.access_token_enc!.equals(before.access_token_enc!)).toBe(true);
    expect(after.updated_at).toEqual(before.updated_at);
  });

  it('a state bound to another session is refused', async () => {
    const alice = await w.rt.signup();
    const mallory = await w.rt.signup();
    const landing = await new Browser(w.gateway, alice.token).connect('epic', { stopAtCallback: true });
    const res = await fetch(landing.callbackUrl!, { redirect: 'manual', headers: { cookie: `cv_session=${mallory.token}` } });
    expect(res.headers.get('location')).toContain('error=session_mismatch');
    expect(await connectionsOf(alice.userId)).toEqual([]);
    expect(await connectionsOf(mallory.userId)).toEqual([]);
  });

  it('a callback without a session is refused and connects nothing', async () => {
    const user = await w.rt.signup();
    const landing = await new Browser(w.gateway, user.token).connect('epic', { stopAtCallback: true });
    const res = await fetch(landing.callbackUrl!, { redirect: 'manual' });
    // The foundation's /api/* auth middleware answers 401 before our redirect-with-error can run
    // (reported to the lead); either way nothing may be connected.
    expect(res.status === 401 || res.headers.get('location')?.includes('error=not_signed_in')).toBe(true);
    expect(await connectionsOf(user.userId)).toEqual([]);
  });

  it('a code that does not exchange ends as token_exchange_failed', async () => {
    const user = await w.rt.signup();
    const landing = await new Browser(w.gateway, user.token).connect('epic', { stopAtCallback: true });
    const u = new URL(landing.callbackUrl!);
    u.searchParams.set('code', 'tampered-code');
    const res = await fetch(u, { redirect: 'manual', headers: { cookie: `cv_session=${user.token}` } });
    expect(res.headers.get('location')).toContain('error=token_exchange_failed');
    expect(await connectionsOf(user.userId)).toEqual([]);
  });

  it('a grant without patient context is refused', async () => {
    const user = await w.rt.signup();
    w.as.behaviour.omitPatient = true;
    w.as.behaviour.fhirUser = 'practitioner';
    const landing = await new Browser(w.gateway, user.token).connect('epic');
    expect(landing.params.get('error')).toBe('no_patient');
    expect(await connectionsOf(user.userId)).toEqual([]);
  });

  it('without `patient` in the token response, the ID token fhirUser Patient/<id> gives the patient', async () => {
    const user = await w.rt.signup();
    w.as.behaviour.omitPatient = true;
    const landing = await new Browser(w.gateway, user.token).connect('epic');
    expect(landing.params.get('error')).toBeNull();
    expect(landing.params.get('connected')).toBe('epic');
    const rows = await connectionsOf(user.userId);
    expect(rows).toHaveLength(1);
    const job = await waitForJob(w.rt, user.token, landing.params.get('jobId')!);
    expect(job.status).toBe('succeeded');
    expect(job.result.types.Patient).toBe(1);
  });

  it('an exception after the token exchange sends the browser back with a reason, not a JSON 500', async () => {
    const user = await w.rt.signup();
    const jobs = w.rt.deps.jobs;
    const enqueue = jobs.enqueue;
    // The job queue fails (e.g. the database went away between the exchange and the enqueue).
    jobs.enqueue = async () => {
      throw new Error('database unavailable');
    };
    try {
      const landing = await new Browser(w.gateway, user.token).connect('epic');
      expect(landing.params.get('error')).toBe('sync_not_started');
      expect(landing.params.get('provider')).toBe('epic');
    } finally {
      jobs.enqueue = enqueue;
    }
  });
});
