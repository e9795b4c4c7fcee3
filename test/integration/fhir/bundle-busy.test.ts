import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { listen } from '../../helpers/http.ts';
import { waitForJob } from './support/harness.ts';

/**
 * Issue 20 item 2: the embedded database answers through promises only, so an import's loop of
 * statements never let the event loop serve a request: `/health` was silent for the whole job.
 * Not timed (the hold benchmark measures latency): /health must simply answer while it runs.
 */
let rt: TestRuntime;
let server: Awaited<ReturnType<typeof listen>>;
beforeAll(async () => {
  rt = await createTestRuntime({ FHIR_BUNDLE_MAX_BYTES: String(64 * 1024 * 1024) });
  await rt.deps.jobs.start();
  server = await listen(rt);
});
afterAll(async () => {
  await server?.close();
  await rt?.destroy();
});

describe('a large bundle import', () => {
  it('leaves the gateway answering /health while the job runs', async () => {
    const user = await rt.signup();
    const entry = Array.from({ length: 6000 }, (_, i) => ({
      resource: { resourceType: 'Observation', id: `hr-${i}`, status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] }, effectiveDateTime: new Date(Date.UTC(2020, 0, 1) + i * 60_000).toISOString(), valueQuantity: { value: 60 + (i % 30), unit: '/min' } },
    }));
    const res = await fetch(`${server.url}/api/imports/fhir-bundle`, { method: 'POST', headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry }) });
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    const answered: number[] = [];
    let done = false;
    const probe = (async () => {
      while (!done) {
        const h = await fetch(`${server.url}/health`);
        if (h.ok) answered.push(Date.now());
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const job = await waitForJob(rt, user.token, jobId, 300_000);
    done = true;
    await probe;
    expect(job.status).toBe('succeeded');
    expect(job.result).toMatchObject({ inserted: 6000 });
    const [from, to] = [Date.parse(job.startedAt), Date.parse(job.finishedAt)];
    const during = answered.filter((t) => t > from && t < to);
    // Blocked, /health answered only once the job was over.
    expect(during.length).toBeGreaterThanOrEqual(10);
  }, 300_000);
});
