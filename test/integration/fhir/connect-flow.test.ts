import { createPrivateKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, startSmartWorld, waitForJob, type SmartWorld } from './support/harness.ts';
import { expectedPowellCounts } from './support/fixtures.ts';

let w: SmartWorld;
beforeAll(async () => {
  w = await startSmartWorld();
});
afterAll(async () => {
  await w?.close();
});

async function countsByKind(token: string, source: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let cursor: string | null = null;
  do {
    const r = await w.rt.api('GET', `/api/vault/items?source=${source}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token });
    for (const it of r.body.items) counts[it.kind.replace(/^fhir\./, '')] = (counts[it.kind.replace(/^fhir\./, '')] ?? 0) + 1;
    cursor = r.body.nextCursor;
  } while (cursor);
  return counts;
}

describe('SMART standalone launch against a real authorization server', () => {
  it('connects Epic, stores tokens encrypted, syncs the recorded record into the vault', async () => {
    const user = await w.rt.signup();
    const before = await w.rt.api('GET', '/api/integrations', { token: user.token });
    expect(before.body.integrations.find((i: any) => i.provider === 'epic')).toMatchObject({ status: 'not_connected', connectUrl: '/api/integrations/epic/connect', name: 'Epic (MyChart)' });

    const landing = await new Browser(w.gateway, user.token).connect('epic');
    expect(landing.params.get('error')).toBeNull();
    expect(landing.params.get('connected')).toBe('epic');
    const jobId = landing.params.get('jobId')!;

    const row = await w.rt.deps.db.selectFrom('connections').selectAll().where('user_id', '=', user.userId).executeTakeFirstOrThrow();
    expect(row.status).toBe('connected');
    expect(row.access_token_enc).toBeInstanceOf(Buffer);
    expect(row.refresh_token_enc).toBeInstanceOf(Buffer);
    // Ciphertext only: no token, no patient id in clear anywhere in the row.
    const raw = JSON.stringify(row);
    expect(raw).not.toContain('eAB3mDIBBcyUKviyzrxsnAw3');
    expect(row.scopes).toContain('patient/Observation.read');

    const job = await waitForJob(w.rt, user.token, jobId);
    expect(job.error).toBeUndefined();
    expect(job.status).toBe('succeeded');
    const stored = Object.values(expectedPowellCounts()).reduce((a, b) => a + b, 0);
    expect(job.progress).toEqual({ done: stored, total: stored, unit: 'resources' });
    expect(w.fhir.unmatched).toEqual([]);
    expect(await countsByKind(user.token, 'epic')).toEqual(expectedPowellCounts());
    expect(job.warnings.some((m: string) => m.startsWith('Observation: categories not offered'))).toBe(true);

    const after = await w.rt.api('GET', '/api/integrations', { token: user.token });
    const epic = after.body.integrations.find((i: any) => i.provider === 'epic');
    expect(epic.status).toBe('connected');
    expect(epic.lastSyncAt).not.toBeNull();
  });

  it('re-syncing the same record changes nothing', async () => {
    const user = await w.rt.signup();
    const first = await new Browser(w.gateway, user.token).connect('epic');
    await waitForJob(w.rt, user.token, first.params.get('jobId')!);
    const before = await countsByKind(user.token, 'epic');
    const r = await w.rt.api('POST', '/api/integrations/epic/sync', { token: user.token });
    expect(r.status).toBe(202);
    const job = await waitForJob(w.rt, user.token, r.body.jobId);
    expect(job.status).toBe('succeeded');
    expect(job.result.inserted).toBe(0);
    expect(job.result.updated).toBe(0);
    const total = Object.values(expectedPowellCounts()).reduce((a, b) => a + b, 0);
    expect(job.result.unchanged).toBe(total);
    expect(await countsByKind(user.token, 'epic')).toEqual(before);
  });

  it('one sync per connection at a time: a second request joins the running job', async () => {
    const user = await w.rt.signup();
    const landing = await new Browser(w.gateway, user.token).connect('epic');
    const again = await w.rt.api('POST', '/api/integrations/epic/sync', { token: user.token });
    expect(again.status).toBe(202);
    expect(again.body.jobId).toBe(landing.params.get('jobId'));
    await waitForJob(w.rt, user.token, again.body.jobId);
  });

  it('nothing synced is shared with the AI by default', async () => {
    const user = await w.rt.signup();
    const landing = await new Browser(w.gateway, user.token).connect('epic');
    await waitForJob(w.rt, user.token, landing.params.get('jobId')!);
    const shared = await w.rt.api('GET', '/api/vault/items?shared=ai&limit=10', { token: user.token });
    expect(shared.body.items).toEqual([]);
  });

  it('a blood pressure reading reads as a sentence with its codes, and is found by its LOINC code', async () => {
    const user = await w.rt.signup();
    const landing = await new Browser(w.gateway, user.token).connect('epic');
    await waitForJob(w.rt, user.token, landing.params.get('jobId')!);
    const found = await w.rt.api('GET', `/api/vault/items?q=${encodeURIComponent('85354-9')}&kind=fhir.Observation&limit=500`, { token: user.token });
    expect(found.body.items.length).toBeGreaterThan(0);
    const bp = found.body.items.find((i: any) => /^Blood pressure \d+\/\d+ mmHg, \d{4}-\d{2}-\d{2}$/.test(i.title));
    expect(bp).toBeDefined();
    expect(bp.categories).toContain('vital-signs');
    const detail = await w.rt.api('GET', `/api/vault/items/${bp.id}`, { token: user.token });
    expect(detail.body.text).toContain('LOINC 85354-9');
    expect(detail.body.content.resourceType).toBe('Observation');
    expect(detail.body.sourceId).toBe(`Observation/${detail.body.content.id}`);
  });
});

describe('confidential clients', () => {
  it('a client-secret client authenticates with HTTP Basic and syncs', async () => {
    const user = await w.rt.signup();
    const landing = await new Browser(w.gateway, user.token).connect('sandbox-secret');
    expect(landing.params.get('connected')).toBe('sandbox-secret');
    expect(w.as.tokenAuth).toContainEqual({ clientId: 'cv-secret', method: 'client_secret_basic' });
    const job = await waitForJob(w.rt, user.token, landing.params.get('jobId')!);
    expect(job.status).toBe('succeeded');
  });

  it('a private_key_jwt client signs with the key published at /.well-known/jwks.json', async () => {
    const jwks = await fetch(`${w.gateway}/.well-known/jwks.json`).then((r) => r.json());
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS384', use: 'sig' });
    expect(jwks.keys[0].d).toBeUndefined();
    const user = await w.rt.signup();
    const landing = await new Browser(w.gateway, user.token).connect('sandbox-jwt');
    expect(landing.params.get('connected')).toBe('sandbox-jwt');
    expect(w.as.tokenAuth).toContainEqual({ clientId: 'cv-jwt', method: 'private_key_jwt', assertionAud: `${w.as.url}/token` });
    // The private key is stored sealed: the column does not parse as a key.
    const key = await w.rt.deps.db.selectFrom('server_keys').selectAll().executeTakeFirstOrThrow();
    expect(() => createPrivateKey({ key: key.private_enc, format: 'der', type: 'pkcs8' })).toThrow();
    await waitForJob(w.rt, user.token, landing.params.get('jobId')!);
  });
});

