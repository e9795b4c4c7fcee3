import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerConnectors } from '../../../src/connectors/register.ts';
import { KeyService } from '../../../src/vault/keys.ts';
import { loadMasterKeyring } from '../../../src/vault/master-key.ts';
import { Browser, startSmartWorld, waitForJob, type SmartWorld } from './support/harness.ts';

let w: SmartWorld;
beforeAll(async () => {
  w = await startSmartWorld();
  // The same connector wiring as production, with short timeouts and backoff so a dead server
  // shows within seconds (the job handlers registered here replace the default ones).
  registerConnectors({
    config: w.rt.config,
    db: w.rt.deps.db,
    keys: new KeyService(w.rt.deps.db, loadMasterKeyring(w.rt.config).keyring),
    items: w.rt.deps.items,
    jobs: w.rt.deps.jobs,
    log: w.rt.deps.log,
    mounts: [],
    health: [],
    readerTuning: { requestTimeoutMs: 300, baseDelayMs: 10, maxDelayMs: 50, maxRetries: 2 },
  });
});
afterAll(async () => {
  w.fhir.outage = null;
  await w?.close();
});

async function connectedUser() {
  const user = await w.rt.signup();
  const landing = await new Browser(w.gateway, user.token).connect('epic');
  expect((await waitForJob(w.rt, user.token, landing.params.get('jobId')!)).status).toBe('succeeded');
  return user;
}

async function sync(token: string) {
  const r = await w.rt.api('POST', '/api/integrations/epic/sync', { token });
  expect(r.status).toBe(202);
  return waitForJob(w.rt, token, r.body.jobId);
}

describe('a FHIR server that is down', () => {
  it('fails the sync with a clear error when the server stops answering (per-request timeout)', async () => {
    const user = await connectedUser();
    w.fhir.outage = 'hang';
    const started = Date.now();
    try {
      const job = await sync(user.token);
      expect(job.status).toBe('failed');
      expect(job.error.message ?? job.error).toMatch(/could not be reached: timed out after 0\.3 s/);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      w.fhir.outage = null;
    }
    const list = (await w.rt.api('GET', '/api/integrations', { token: user.token })).body.integrations;
    expect(list.find((i: any) => i.provider === 'epic').lastError).toMatch(/could not be reached/);
  });

  it('fails the sync when Patient and every type answer 5xx', async () => {
    const user = await connectedUser();
    w.fhir.outage = 503;
    try {
      const job = await sync(user.token);
      expect(job.status).toBe('failed');
      expect(JSON.stringify(job.error)).toMatch(/could not be reached: HTTP 503/);
    } finally {
      w.fhir.outage = null;
    }
    // Back up: the next sync succeeds again.
    expect((await sync(user.token)).status).toBe('succeeded');
  });
});
