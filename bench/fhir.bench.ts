import { readFileSync } from 'node:fs';
import { createTestRuntime } from '../test/helpers/runtime.ts';
import { importFhirResources } from '../src/connectors/fhir/import.ts';
import { Browser, startSmartWorld, waitForJob } from '../test/integration/fhir/support/harness.ts';
import { powellTracks, readFixture, syntheaBundlePath } from '../test/integration/fhir/support/fixtures.ts';

/**
 * Issue 5 benchmarks on the embedded default (PGlite):
 * 1. transform + store: FHIR resources turned into vault items per second (target ≥ 1,000/s);
 * 2. a full replayed sync of the Powell recordings through the real OAuth and HTTP path:
 *    wall time and requests made;
 * 3. a large Synthea-style transaction Bundle (urn:uuid fullUrls and references, inline base64
 *    notes) uploaded through POST /api/imports/fhir-bundle: upload and import time.
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

/** A transaction Bundle of `n` entries the way newer Synthea writes them. */
function largeSyntheaBundle(n: number): string {
  const base = JSON.parse(readFileSync(syntheaBundlePath(), 'utf8')).entry.map((e: any) => e.resource);
  const note = Buffer.from('Chief complaint: cough for three days. Assessment: viral bronchitis. Plan: fluids, rest, follow up in one week. '.repeat(8)).toString('base64');
  const entry: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const resource =
      i % 10 === 0
        ? { resourceType: 'DocumentReference', id, status: 'current', type: { text: 'Progress note' }, date: '2020-01-01T10:00:00Z', content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data: note } }] }
        : i % 10 === 1
          ? { resourceType: 'MedicationRequest', id, status: 'active', authoredOn: '2020-01-01', medicationReference: { reference: `urn:uuid:00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}` } }
          : i % 10 === 2
            ? { resourceType: 'Medication', id, code: { text: 'amoxicillin 500 MG Oral Capsule' } }
            : { ...base[i % base.length], id };
    entry.push({ fullUrl: `urn:uuid:${id}`, resource, request: { method: 'POST', url: String((resource as any).resourceType) } });
  }
  return JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry });
}

async function largeBundleUpload() {
  const rt = await createTestRuntime({ FHIR_BUNDLE_MAX_BYTES: String(512 * 1024 * 1024) });
  try {
    await rt.deps.jobs.start();
    const user = await rt.signup();
    const body = largeSyntheaBundle(20_000);
    const started = performance.now();
    const res = await rt.app.request('/api/imports/fhir-bundle', { method: 'POST', headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/octet-stream' }, body });
    const { jobId } = (await res.json()) as { jobId: string };
    const accepted = (performance.now() - started) / 1000;
    const job = await waitForJob(rt, user.token, jobId, 600_000);
    const seconds = (performance.now() - started) / 1000;
    console.log(`bundle upload: ${(body.length / 1024 / 1024).toFixed(1)} MB, 20000 entries; accepted in ${accepted.toFixed(2)} s, imported in ${seconds.toFixed(2)} s = ${Math.round(20_000 / seconds)} resources/s, status ${job.status}, inserted ${job.result?.inserted}`);
  } finally {
    await rt.destroy();
  }
}

await transformAndStore();
await replayedSync();
await largeBundleUpload();
