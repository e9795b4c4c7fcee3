import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { syntheaBundlePath } from './support/fixtures.ts';
import { waitForJob } from './support/harness.ts';

let rt: TestRuntime;
let small: TestRuntime;
beforeAll(async () => {
  [rt, small] = await Promise.all([createTestRuntime(), createTestRuntime({ FHIR_BUNDLE_MAX_BYTES: '4096' })]);
  await rt.deps.jobs.start();
  await small.deps.jobs.start();
});
afterAll(async () => {
  await rt?.destroy();
  await small?.destroy();
});

const synthea = JSON.parse(readFileSync(syntheaBundlePath(), 'utf8'));

async function upload(r: TestRuntime, token: string, body: string, contentType = 'application/fhir+json', query = '') {
  return r.api('POST', `/api/imports/fhir-bundle${query}`, { token, body, headers: { 'content-type': contentType } });
}

async function allItems(r: TestRuntime, token: string, source = 'fhir-bundle') {
  const out: any[] = [];
  let cursor: string | null = null;
  do {
    const res: any = await r.api('GET', `/api/vault/items?source=${source}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token });
    out.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return out;
}

async function nothingStored(r: TestRuntime, userId: string, token: string) {
  expect(await allItems(r, token)).toEqual([]);
  expect((await r.api('GET', '/api/jobs', { token })).body.jobs).toEqual([]);
  expect(await r.deps.db.selectFrom('import_uploads').selectAll().where('user_id', '=', userId).execute()).toEqual([]);
}

const byId = (items: any[]) => new Map(items.map((i) => [i.sourceId, i]));

describe('POST /api/imports/fhir-bundle with the Synthea bundle', () => {
  it('imports every entry with the right kind, and readable summaries', async () => {
    const user = await rt.signup();
    const r = await upload(rt, user.token, JSON.stringify(synthea));
    expect(r.status).toBe(202);
    expect(r.body.entries).toBe(133);
    const job = await waitForJob(rt, user.token, r.body.jobId);
    expect(job.status).toBe('succeeded');
    expect(job.result).toEqual({ inserted: 133, updated: 0, unchanged: 0, skipped: 0 });
    expect(job.progress).toMatchObject({ done: 133, total: 133 });

    const items = await allItems(rt, user.token);
    const expected: Record<string, number> = {};
    for (const e of synthea.entry) expected[`fhir.${e.resource.resourceType}`] = (expected[`fhir.${e.resource.resourceType}`] ?? 0) + 1;
    const got: Record<string, number> = {};
    for (const i of items) got[i.kind] = (got[i.kind] ?? 0) + 1;
    expect(got).toEqual(expected);

    const map = byId(items);
    const sample = async (type: string, check: (res: any, item: any, detail: any) => void) => {
      const entries = synthea.entry.map((e: any) => e.resource).filter((x: any) => x.resourceType === type);
      expect(entries.length).toBeGreaterThan(0);
      for (const res of entries.slice(0, 12)) {
        const item = map.get(`${type}/${res.id}`);
        expect(item, `${type}/${res.id}`).toBeDefined();
        const detail = (await rt.api('GET', `/api/vault/items/${item.id}`, { token: user.token })).body;
        expect(detail.content).toEqual(res);
        check(res, item, detail);
      }
    };
    await sample('Condition', (res, item, d) => {
      expect(item.title).toBe(`Condition: ${res.code.text}, ${res.onsetDateTime.slice(0, 10)}`);
      expect(d.text).toContain(`SNOMED ${res.code.coding[0].code}`);
      expect(item.effectiveAt).toBe(new Date(res.onsetDateTime).toISOString());
    });
    await sample('Immunization', (res, item, d) => {
      expect(item.title).toBe(`Immunization: ${res.vaccineCode.text}, ${res.occurrenceDateTime.slice(0, 10)}`);
      expect(d.text).toContain(`CVX ${res.vaccineCode.coding[0].code}`);
    });
    await sample('Observation', (res, item, d) => {
      const sys = res.component?.find((c: any) => c.code.coding[0].code === '8480-6');
      const dia = res.component?.find((c: any) => c.code.coding[0].code === '8462-4');
      if (sys && dia) expect(item.title.startsWith(`Blood pressure ${Math.round(sys.valueQuantity.value)}/${Math.round(dia.valueQuantity.value)} mmHg`)).toBe(true);
      else expect(item.title.startsWith(`${res.code.text} `)).toBe(true);
      expect(item.title.endsWith(`, ${res.effectiveDateTime.slice(0, 10)}`)).toBe(true);
      if (res.valueQuantity && !sys) expect(item.title).toContain(String(Math.round(res.valueQuantity.value * 100) / 100));
      expect(d.text).toContain(`LOINC ${res.code.coding[0].code}`);
      expect(item.categories).toEqual(res.category.flatMap((c: any) => c.coding.map((x: any) => x.code)));
    });
    await sample('Encounter', (res, item) => {
      expect(item.title).toBe(`Encounter: ${res.type[0].text}, ${res.period.start.slice(0, 10)}`);
    });
    await sample('Procedure', (res, item) => {
      expect(item.title).toBe(`Procedure: ${res.code.text}, ${(res.performedDateTime ?? res.performedPeriod.start).slice(0, 10)}`);
    });
    await sample('DiagnosticReport', (res, item, d) => {
      expect(item.title).toBe(`Report: ${res.code.text}, ${res.effectiveDateTime.slice(0, 10)}`);
      for (const ref of res.result ?? []) expect(d.text).toContain(ref.display);
    });
    await sample('Patient', (res, item) => {
      expect(item.title).toBe(`Patient: ${res.name[0].given.join(' ')} ${res.name[0].family}`);
    });

    // Idempotent: the same file again changes nothing.
    const again = await upload(rt, user.token, JSON.stringify(synthea));
    const job2 = await waitForJob(rt, user.token, again.body.jobId);
    expect(job2.result).toEqual({ inserted: 0, updated: 0, unchanged: 133, skipped: 0 });
    expect(await allItems(rt, user.token)).toHaveLength(133);
    // The sealed upload is gone once imported.
    expect(await rt.deps.db.selectFrom('import_uploads').selectAll().where('user_id', '=', user.userId).execute()).toEqual([]);
  });
});

const obs = (id: string, security: unknown[] | undefined, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  ...(security ? { meta: { security } } : {}),
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
  valueQuantity: { value: 72, unit: '/min' },
  effectiveDateTime: '2024-03-02T10:00:00Z',
  ...extra,
});
const bundleOf = (...resources: unknown[]) => JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) });

describe('meta.security labels', () => {
  it('map V and sensitive categories to secret, R to private, and the rest to normal', async () => {
    const user = await rt.signup();
    const conf = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
    const body = bundleOf(
      obs('v', [{ system: conf, code: 'V' }]),
      obs('hiv', [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HIV' }]),
      obs('psy', [{ code: 'PSY' }]),
      obs('r', [{ system: conf, code: 'R' }]),
      obs('n', [{ system: conf, code: 'N' }]),
      obs('none', undefined),
    );
    const r = await upload(rt, user.token, body);
    expect((await waitForJob(rt, user.token, r.body.jobId)).status).toBe('succeeded');
    const map = byId(await allItems(rt, user.token));
    expect(map.get('Observation/v').sensitivity).toBe('secret');
    expect(map.get('Observation/hiv').sensitivity).toBe('secret');
    expect(map.get('Observation/psy').sensitivity).toBe('secret');
    expect(map.get('Observation/r').sensitivity).toBe('private');
    expect(map.get('Observation/n').sensitivity).toBe('normal');
    expect(map.get('Observation/none').sensitivity).toBe('normal');
    // Secret items have no lexical index: a search finds only the non-secret heart rates.
    const found = await rt.api('GET', '/api/vault/items?q=heart&limit=50&source=fhir-bundle', { token: user.token });
    expect(found.body.items.map((i: any) => i.sourceId).sort()).toEqual(['Observation/n', 'Observation/none', 'Observation/r']);
  });
});

describe('awkward bundles', () => {
  it('imports what it can: unknown types, missing ids and dates, huge resources', async () => {
    const user = await rt.signup();
    const huge = 'x'.repeat(3_000_000);
    const body = bundleOf(
      { resourceType: 'Spaceship', id: 'u1' },
      { resourceType: 'Observation' },
      'not an object',
      { id: 'no-type' },
      obs('undated', undefined, { effectiveDateTime: undefined }),
      obs('bad-date', undefined, { effectiveDateTime: 'yesterday' }),
      obs('huge', undefined, { valueQuantity: undefined, valueString: huge }),
      { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'processing', details: { text: 'partial' } }] },
    );
    const r = await upload(rt, user.token, body);
    expect(r.status).toBe(202);
    const job = await waitForJob(rt, user.token, r.body.jobId);
    expect(job.status).toBe('succeeded');
    expect(job.result).toEqual({ inserted: 3, updated: 0, unchanged: 0, skipped: 5 });
    expect(job.warnings).toEqual(
      expect.arrayContaining([
        'skipped a resource of unknown type Spaceship',
        'skipped a Observation without a usable id',
        'skipped an entry that is not a JSON object',
        'skipped an object without a valid resourceType',
        'server said: warning processing: partial',
      ]),
    );
    const map = byId(await allItems(rt, user.token));
    expect(map.get('Observation/undated').effectiveAt).toBeNull();
    expect(map.get('Observation/bad-date').effectiveAt).toBeNull();
    expect(map.get('Observation/undated').title).toBe('Heart rate 72 /min');
    const hugeItem = (await rt.api('GET', `/api/vault/items/${map.get('Observation/huge').id}`, { token: user.token })).body;
    expect(hugeItem.title.length).toBeLessThanOrEqual(300);
    expect(hugeItem.text.length).toBeLessThanOrEqual(200_000);
    expect(hugeItem.content.valueString).toHaveLength(3_000_000);
  });

  it('refuses a body that is not JSON, with nothing stored', async () => {
    const user = await rt.signup();
    const r = await upload(rt, user.token, '{"resourceType": "Bundle", "entry": [');
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_json');
    await nothingStored(rt, user.userId, user.token);
  });

  it('refuses JSON that is not a Bundle, with nothing stored', async () => {
    const user = await rt.signup();
    for (const body of [JSON.stringify(obs('single', undefined)), '[]', JSON.stringify({ resourceType: 'Bundle', entry: {} })]) {
      const r = await upload(rt, user.token, body);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('invalid_bundle');
    }
    await nothingStored(rt, user.userId, user.token);
  });

  it('refuses a body that is not JSON whatever its declared type, with nothing stored', async () => {
    const user = await rt.signup();
    const r = await upload(rt, user.token, 'resourceType=Bundle', 'application/fhir+json');
    expect(r.status).toBe(415);
    await nothingStored(rt, user.userId, user.token);
  });

  it('refuses an oversized bundle with 413, with nothing stored', async () => {
    const user = await small.signup();
    const big = bundleOf(...Array.from({ length: 40 }, (_, n) => obs(`o${n}`, undefined)));
    expect(big.length).toBeGreaterThan(4096);
    const r = await upload(small, user.token, big);
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('payload_too_large');
    await nothingStored(small, user.userId, user.token);
  });

  it('needs a signed-in user', async () => {
    const r = await rt.api('POST', '/api/imports/fhir-bundle', { body: bundleOf(obs('a', undefined)) });
    expect(r.status).toBe(401);
  });
});

describe('references and inline notes as newer Synthea writes them', () => {
  it('resolves urn:uuid and #contained references, and makes inline note text searchable', async () => {
    const user = await rt.signup();
    const medUrl = 'urn:uuid:5d3f2a10-1111-4a4a-9b9b-0123456789ab';
    const note = 'Patient reports wheezing after exercise; albuterol helps.';
    const body = JSON.stringify({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: medUrl, resource: { resourceType: 'Medication', id: '5d3f2a10-1111-4a4a-9b9b-0123456789ab', code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '745679', display: 'albuterol 90 MCG/ACTUAT inhaler' }] } }, request: { method: 'POST', url: 'Medication' } },
        { fullUrl: 'urn:uuid:aa000000-0000-4000-8000-000000000001', resource: { resourceType: 'MedicationRequest', id: 'aa000000-0000-4000-8000-000000000001', status: 'active', authoredOn: '2023-05-05T10:00:00-04:00', medicationReference: { reference: medUrl } } },
        { fullUrl: 'urn:uuid:aa000000-0000-4000-8000-000000000002', resource: { resourceType: 'MedicationRequest', id: 'aa000000-0000-4000-8000-000000000002', status: 'active', authoredOn: '2023-06-06', contained: [{ resourceType: 'Medication', id: 'm', code: { text: 'fluticasone 44 MCG inhaler' } }], medicationReference: { reference: '#m' } } },
        { fullUrl: 'urn:uuid:aa000000-0000-4000-8000-000000000003', resource: { resourceType: 'DocumentReference', id: 'aa000000-0000-4000-8000-000000000003', status: 'current', type: { coding: [{ system: 'http://loinc.org', code: '34117-2', display: 'History and physical note' }] }, date: '2023-05-05T10:00:00Z', content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data: Buffer.from(note).toString('base64') } }] } },
      ],
    });
    const r = await upload(rt, user.token, body);
    expect((await waitForJob(rt, user.token, r.body.jobId)).status).toBe('succeeded');
    const map = byId(await allItems(rt, user.token));
    expect(map.get('MedicationRequest/aa000000-0000-4000-8000-000000000001').title).toBe('Medication: albuterol 90 MCG/ACTUAT inhaler, 2023-05-05');
    expect(map.get('MedicationRequest/aa000000-0000-4000-8000-000000000002').title).toBe('Medication: fluticasone 44 MCG inhaler, 2023-06-06');
    const found = await rt.api('GET', '/api/vault/items?q=wheezing&limit=10', { token: user.token });
    expect(found.body.items.map((i: any) => i.sourceId)).toEqual(['DocumentReference/aa000000-0000-4000-8000-000000000003']);
    const doc = (await rt.api('GET', `/api/vault/items/${found.body.items[0].id}`, { token: user.token })).body;
    expect(doc.text).toContain(note);
  });
});

describe('sensitivity that travels with documents and bundles', () => {
  const conf = (system: string, code: string) => ({ system, code });
  const text = (t: string) => Buffer.from(t).toString('base64');

  it('a Binary takes the label of its DocumentReference, its securityContext and its Bundle, and is then neither indexed nor shared', async () => {
    const user = await rt.signup();
    // A rule that would share every bundle item with the AI: secret items must stay out anyway.
    expect((await rt.api('POST', '/api/vault/rules', { token: user.token, body: { source: 'fhir-bundle', shareWithAi: true } })).status).toBe(201);
    const body = JSON.stringify({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { resource: { resourceType: 'DocumentReference', id: 'secret-doc', meta: { security: [conf('http://hl7.org/fhir/v3/Confidentiality', 'V')] }, status: 'current', description: 'Therapy session', content: [{ attachment: { contentType: 'text/plain', url: 'Binary/secret-note' } }] } },
        { resource: { resourceType: 'Binary', id: 'secret-note', contentType: 'text/plain', data: text('zebracorn confidential therapy transcript') } },
        { resource: { resourceType: 'DocumentReference', id: 'plain-doc', status: 'current', description: 'Visit summary', content: [{ attachment: { contentType: 'text/plain', url: 'Binary/plain-note' } }] } },
        { resource: { resourceType: 'Binary', id: 'plain-note', contentType: 'text/plain', data: text('zebracorn ordinary visit summary') } },
        { resource: { resourceType: 'Consent', id: 'c1', status: 'active', meta: { security: [conf('urn:oid:2.16.840.1.113883.5.25', 'R')] } } },
        { resource: { resourceType: 'Binary', id: 'ctx-note', contentType: 'text/plain', securityContext: { reference: 'Consent/c1' }, data: text('zebracorn restricted note') } },
        { resource: obs('oud', [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPIOIDUD' }]) },
      ],
    });
    const r = await upload(rt, user.token, body);
    expect((await waitForJob(rt, user.token, r.body.jobId)).status).toBe('succeeded');
    const map = byId(await allItems(rt, user.token));
    expect(map.get('DocumentReference/secret-doc').sensitivity).toBe('secret');
    expect(map.get('Binary/secret-note').sensitivity).toBe('secret');
    expect(map.get('Binary/plain-note').sensitivity).toBe('normal');
    expect(map.get('Binary/ctx-note').sensitivity).toBe('private');
    expect(map.get('Observation/oud').sensitivity).toBe('secret');
    expect(map.get('Binary/secret-note').effectivePermission.shareWithAi).toBe(false);
    expect(map.get('Binary/plain-note').effectivePermission.shareWithAi).toBe(true);
    const found = await rt.api('GET', '/api/vault/items?q=zebracorn&limit=10', { token: user.token });
    expect(found.body.items.map((i: any) => i.sourceId).sort()).toEqual(['Binary/ctx-note', 'Binary/plain-note']);
  });

  it('Bundle.meta.security applies to every entry', async () => {
    const user = await rt.signup();
    const body = JSON.stringify({ resourceType: 'Bundle', type: 'collection', meta: { security: [conf('http://terminology.hl7.org/CodeSystem/v3-Confidentiality', 'V')] }, entry: [{ resource: obs('in-secret-bundle', undefined) }] });
    const r = await upload(rt, user.token, body);
    expect((await waitForJob(rt, user.token, r.body.jobId)).status).toBe('succeeded');
    expect(byId(await allItems(rt, user.token)).get('Observation/in-secret-bundle').sensitivity).toBe('secret');
  });
});

describe('every Synthea item is readable', () => {
  it('has a title without placeholders or JSON, and a date for every clinical type', async () => {
    const user = await rt.signup();
    const r = await upload(rt, user.token, JSON.stringify(synthea), 'application/octet-stream');
    expect((await waitForJob(rt, user.token, r.body.jobId)).status).toBe('succeeded');
    const items = await allItems(rt, user.token);
    expect(items).toHaveLength(133);
    const undated = new Set(['fhir.Patient', 'fhir.Practitioner', 'fhir.Organization', 'fhir.Location', 'fhir.Medication']);
    for (const i of items) {
      expect(i.title, i.sourceId).not.toMatch(/undefined|\[object|[{}"]|unnamed|untitled/);
      if (!undated.has(i.kind)) expect(i.effectiveAt, `${i.sourceId} has a date`).not.toBeNull();
    }
  });
});
