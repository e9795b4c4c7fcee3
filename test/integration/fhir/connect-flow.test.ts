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
    expect(before.body.integrations.find((i: any) => i.provider === 'epic').status).toBe('not_connected');

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
    expect(w.fhir.unmatched).toEqual([]);
    expect(await countsByKind(user.token, 'epic')).toEqual(expectedPowellCounts());
    expect(job.warnings.some((m: string) => m.startsWith('Observation: categories not offered'))).toBe(true);

    const after = await w.rt.api('GET', '/api/integrations', { token: user.token });
    const epic = after.body.integrations.find((i: any) => i.provider === 'epic');
    expect(epic.status).toBe('connected');
    expect(epic.lastSyncAt).not.toBeNull();
  });
});
