import { readFileSync } from 'node:fs';
import { createTestRuntime } from '../test/helpers/runtime.ts';
import { importFhirResources } from '../src/connectors/fhir/import.ts';
import { Browser, startSmartWorld, waitForJob } from '../test/integration/fhir/support/harness.ts';
import { powellTracks, readFixture, syntheaBundlePath } from '../test/integration/fhir/support/fixtures.ts';

/**
 * Issue 5 benchmarks on the embedded default (PGlite):
 * 1. transform + store: FHIR resources turned into vault items per second (target ≥ 1,000/s);
 * 2. a full replayed sync of the Powell recordings through the real OAuth and HTTP path:
 *    wall time and requests made.
 */

function sampleResources(n: number): unknown[] {
  const pool: any[] = [];
  for (const t of powellTracks()) {
    if (t.status !== 200 || !t.file) continue;
    const body = readFixture(t.file);
    if (body.resourceType === 'Bundle') for (const e of body.entry ?? []) if (e.resource?.resourceType !== 'OperationOutcome') pool.push(e.resource);
  }
  for (const e of JSON.parse(readFileSync(syntheaBundlePath(), 'utf8')).entry) pool.push(e.resource);
  // Distinct ids so every resource is a new item (the first import of a large record).
  return Array.from({ length: n }, (_, i) => ({ ...pool[i % pool.length], id: `bench-${i}` }));
}

async function transformAndStore() {
  const rt = await createTestRuntime();
  try {
    const user = await rt.signup();
    const resources = sampleResources(5000);
    await importFhirResources(rt.deps.items, user.userId, sampleResources(200).map((r: any) => ({ ...r, id: `warm-${r.id}` })), { source: 'bench' });
    const started = performance.now();
    const r = await importFhirResources(rt.deps.items, user.userId, resources, { source: 'bench' });
    const seconds = (performance.now() - started) / 1000;
    const rate = resources.length / seconds;
    console.log(`transform + store: ${resources.length} resources in ${seconds.toFixed(2)} s = ${Math.round(rate)} resources/s (target ≥ 1000/s) ${rate >= 1000 ? 'OK' : 'BELOW TARGET'}; inserted ${r.inserted}`);
    const again = performance.now();
    const r2 = await importFhirResources(rt.deps.items, user.userId, resources, { source: 'bench' });
    const s2 = (performance.now() - again) / 1000;
    console.log(`re-import (unchanged): ${Math.round(resources.length / s2)} resources/s; unchanged ${r2.unchanged}`);
  } finally {
    await rt.destroy();
  }
}

async function replayedSync() {
  const w = await startSmartWorld();
  try {
    const user = await w.rt.signup();
    const started = performance.now();
    const landing = await new Browser(w.gateway, user.token).connect('epic');
    const job = await waitForJob(w.rt, user.token, landing.params.get('jobId')!);
    const seconds = (performance.now() - started) / 1000;
    const stored = job.result.inserted + job.result.updated + job.result.unchanged;
    console.log(`replayed Powell sync (connect + first sync): ${seconds.toFixed(2)} s wall, ${job.result.requests} FHIR requests, ${stored} resources stored, status ${job.status}`);
    const r = await w.rt.api('POST', '/api/integrations/epic/sync', { token: user.token });
    const t2 = performance.now();
    const job2 = await waitForJob(w.rt, user.token, r.body.jobId);
    console.log(`re-sync (nothing changed): ${((performance.now() - t2) / 1000).toFixed(2)} s wall, ${job2.result.requests} FHIR requests`);
  } finally {
    await w.close();
  }
}

await transformAndStore();
await replayedSync();
