import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { waitForJob } from './support/harness.ts';

const APPLE = new URL('../../../../shared/fixtures/wearables/apple-health/', import.meta.url).pathname;

let rt: TestRuntime;
let small: TestRuntime;
beforeAll(async () => {
  // One after the other: two embedded databases starting at once crawl on a busy 2-core machine.
  rt = await createTestRuntime();
  small = await createTestRuntime({ FHIR_BUNDLE_MAX_BYTES: '4096' });
  await rt.deps.jobs.start();
}, 240_000);
afterAll(async () => {
  await rt?.destroy();
  await small?.destroy();
});

const obs = (id: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
  valueQuantity: { value: 72, unit: '/min' },
  effectiveDateTime: '2024-03-02T10:00:00Z',
  ...extra,
});
const bundleOf = (resources: unknown[], fullUrlBase?: string) =>
  JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: resources.map((resource: any) => ({ ...(fullUrlBase ? { fullUrl: `${fullUrlBase}/${resource.resourceType}/${resource.id}` } : {}), resource })) });

async function post(path: string, token: string, body: BodyInit, contentType?: string) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (contentType) headers['content-type'] = contentType;
  const res = await rt.app.request(path, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as any };
}

async function items(token: string, source?: string) {
  return (await rt.api('GET', `/api/vault/items?limit=500${source ? `&source=${encodeURIComponent(source)}` : ''}`, { token })).body.items as any[];
}

describe('POST /api/imports/fhir-bundle whatever the client calls the body', () => {
  it.each(['application/fhir+json', 'application/json', 'application/octet-stream', 'text/plain', 'application/x-www-form-urlencoded', 'application/fhir+json; charset=utf-8', undefined])('accepts a JSON Bundle sent as %s', async (type) => {
    const user = await rt.signup();
    const r = await post('/api/imports/fhir-bundle', user.token, bundleOf([obs('a')]), type);
    expect(r.status).toBe(202);
    expect((await waitForJob(rt, user.token, r.body.jobId)).status).toBe('succeeded');
    expect((await items(user.token)).map((i) => i.sourceId)).toEqual(['Observation/a']);
  });

  it('accepts a byte-order mark, a gzipped body, a multipart form file and NDJSON', async () => {
    const user = await rt.signup();
    const bom = await post('/api/imports/fhir-bundle', user.token, `\uFEFF${bundleOf([obs('bom')])}`, 'application/json');
    expect(bom.status).toBe(202);
    const utf16 = await post('/api/imports/fhir-bundle', user.token, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(bundleOf([obs('utf16')]), 'utf16le')]), 'application/json');
    expect(utf16.status).toBe(202);
    const gz = await post('/api/imports/fhir-bundle', user.token, gzipSync(bundleOf([obs('gz')])), 'application/octet-stream');
    expect(gz.status).toBe(202);
    const form = new FormData();
    form.append('file', new Blob([bundleOf([obs('form')])]), 'bundle.json');
    const multipart = await post('/api/imports/fhir-bundle', user.token, form);
    expect(multipart.status).toBe(202);
    const ndjson = await post('/api/imports/fhir-bundle', user.token, `${JSON.stringify(obs('nd1'))}\n${JSON.stringify(obs('nd2'))}\n`, 'application/fhir+ndjson');
    expect(ndjson.status).toBe(202);
    expect(ndjson.body.entries).toBe(2);
    const array = await post('/api/imports/fhir-bundle', user.token, JSON.stringify([obs('arr1'), obs('arr2')]), 'application/json');
    expect(array.status).toBe(202);
    expect(array.body.entries).toBe(2);
    for (const r of [bom, utf16, gz, multipart, ndjson, array]) expect((await waitForJob(rt, user.token, r.body.jobId)).status).toBe('succeeded');
    expect((await items(user.token)).map((i) => i.sourceId).sort()).toEqual(['Observation/arr1', 'Observation/arr2', 'Observation/bom', 'Observation/form', 'Observation/gz', 'Observation/nd1', 'Observation/nd2', 'Observation/utf16']);
  });

  it('answers 415 with a reason only when the body is not JSON', async () => {
    const user = await rt.signup();
    const xml = await post('/api/imports/fhir-bundle', user.token, '<Bundle xmlns="http://hl7.org/fhir"/>', 'application/xml');
    expect(xml.status).toBe(415);
    expect(xml.body.error.message).toContain('XML');
    const zip = await post('/api/imports/fhir-bundle', user.token, readFileSync(`${APPLE}2024-finder-rezip.zip`), 'application/octet-stream');
    expect(zip.status).toBe(415);
    expect(zip.body.error.message).toContain('apple-health');
    const text = await post('/api/imports/fhir-bundle', user.token, 'hello', 'text/plain');
    expect(text.status).toBe(415);
    expect((await rt.api('GET', '/api/jobs', { token: user.token })).body.jobs).toEqual([]);
  });

  it('names the limit and the setting in a 413', async () => {
    const user = await small.signup();
    const res = await small.app.request('/api/imports/fhir-bundle', {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: bundleOf(Array.from({ length: 40 }, (_, n) => obs(`o${n}`))),
    });
    expect(res.status).toBe(413);
    const body = (await res.json()) as any;
    expect(body.error.message).toContain('4096 bytes');
    expect(body.error.message).toContain('FHIR_BUNDLE_MAX_BYTES');
    // A small gzip that unpacks beyond the limit is refused the same way.
    const bomb = await small.app.request('/api/imports/fhir-bundle', {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/octet-stream' },
      body: gzipSync(bundleOf([obs('big', { valueString: 'x'.repeat(100_000), valueQuantity: undefined })])),
    });
    expect(bomb.status).toBe(413);
  });
});

describe('bundles from different servers', () => {
  it('keep their own source, so the same Type/id from two portals does not collide, and re-imports stay idempotent', async () => {
    const user = await rt.signup();
    const a = bundleOf([obs('1', { valueQuantity: { value: 60, unit: '/min' } })], 'https://portal-a.example.org/fhir/R4');
    const b = bundleOf([obs('1', { valueQuantity: { value: 90, unit: '/min' } })], 'https://portal-b.example.com/api/FHIR/R4');
    const synthea = JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [{ fullUrl: 'urn:uuid:11111111-2222-4333-8444-555555555555', resource: obs('11111111-2222-4333-8444-555555555555') }] });
    const ra = await post('/api/imports/fhir-bundle', user.token, a, 'application/json');
    const rb = await post('/api/imports/fhir-bundle', user.token, b, 'application/json');
    const rs = await post('/api/imports/fhir-bundle', user.token, synthea, 'application/json');
    expect(ra.body.source).toBe('fhir-bundle:portal-a.example.org/fhir/R4');
    expect(rb.body.source).toBe('fhir-bundle:portal-b.example.com/api/FHIR/R4');
    expect(rs.body.source).toBe('fhir-bundle');
    for (const r of [ra, rb, rs]) expect((await waitForJob(rt, user.token, r.body.jobId)).result.inserted).toBe(1);
    const all = await items(user.token);
    expect(all.filter((i) => i.sourceId === 'Observation/1').map((i) => i.title).sort()).toEqual(['Heart rate 60 /min, 2024-03-02', 'Heart rate 90 /min, 2024-03-02']);
    expect((await items(user.token, 'fhir-bundle:portal-a.example.org/fhir/R4')).map((i) => i.title)).toEqual(['Heart rate 60 /min, 2024-03-02']);
    const again = await post('/api/imports/fhir-bundle', user.token, a, 'application/json');
    expect((await waitForJob(rt, user.token, again.body.jobId)).result).toEqual({ inserted: 0, updated: 0, unchanged: 1, skipped: 0 });
    // An explicit ?source= still wins.
    const named = await post('/api/imports/fhir-bundle?source=my-clinic', user.token, a, 'application/json');
    expect(named.body.source).toBe('my-clinic');
  });

  it('takes the server from the self link of an $everything export without fullUrls', async () => {
    const user = await rt.signup();
    const body = JSON.stringify({ resourceType: 'Bundle', type: 'searchset', link: [{ relation: 'self', url: 'https://ehr.example.net/fhir/Patient/p1/$everything' }], entry: [{ resource: obs('s1') }] });
    const r = await post('/api/imports/fhir-bundle', user.token, body, 'application/fhir+json');
    expect(r.body.source).toBe('fhir-bundle:ehr.example.net/fhir');
  });
});

describe('POST /api/imports/apple-health whatever the client calls the body', () => {
  const xml = readFileSync(`${APPLE}2024-excerpt.xml`);
  const zip = readFileSync(`${APPLE}2024-finder-rezip.zip`);
  it.each([
    ['xml', 'application/xml'],
    ['xml', 'text/xml'],
    ['xml', 'text/plain'],
    ['xml', 'application/x-www-form-urlencoded'],
    ['xml', undefined],
    ['zip', 'application/zip'],
    ['zip', 'application/octet-stream'],
    ['zip', 'application/x-www-form-urlencoded'],
  ])('accepts the %s export sent as %s', async (kind, type) => {
    const user = await rt.signup();
    const r = await post('/api/imports/apple-health', user.token, kind === 'xml' ? xml : zip, type);
    expect(r.status).toBe(202);
    expect((await waitForJob(rt, user.token, r.body.jobId)).status).toBe('succeeded');
  });

  it('answers 415 when the body is neither zip nor XML', async () => {
    const user = await rt.signup();
    for (const body of ['{"resourceType":"Bundle"}', 'hello world']) {
      const r = await post('/api/imports/apple-health', user.token, body, 'application/octet-stream');
      expect(r.status).toBe(415);
      expect(r.body.error.message).toContain('neither a zip archive nor XML');
    }
  });
});

describe('a bundle import that fails', () => {
  it('deletes the sealed upload, and keeps it when the job is only interrupted', async () => {
    const { BundleImports } = await import('../../../src/connectors/fhir/bundle-import.ts');
    const { KeyService } = await import('../../../src/vault/keys.ts');
    const { loadMasterKeyring } = await import('../../../src/vault/master-key.ts');
    // `small` never starts its job runner: the handler is driven by hand, with a vault that fails.
    const imports = new BundleImports(small.deps.db, new KeyService(small.deps.db, loadMasterKeyring(small.config).keyring), small.deps.jobs);
    const user = await small.signup();
    const uploads = () => small.deps.db.selectFrom('import_uploads').select('id').where('user_id', '=', user.userId).execute();
    const failing = { importItems: async () => { throw new Error('disk full'); } } as never;
    const run = async (signal: AbortSignal) => {
      const { jobId } = await imports.start(user.userId, bundleOf([obs('f')]));
      const job = await small.deps.db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();
      const params = typeof job.params === 'string' ? JSON.parse(job.params) : job.params;
      return imports.handler(failing).run({ jobId, userId: user.userId, params, signal, progress: () => undefined, warn: () => undefined });
    };
    await expect(run(new AbortController().signal)).rejects.toThrow('disk full');
    expect(await uploads()).toEqual([]);
    const stopping = new AbortController();
    stopping.abort(new Error('shutting down'));
    await expect(run(stopping.signal)).rejects.toThrow();
    expect(await uploads()).toHaveLength(1);
  });
});

describe('types beyond R4', () => {
  it('imports R5 record types such as DeviceUsage instead of refusing them', async () => {
    const user = await rt.signup();
    const r = await post('/api/imports/fhir-bundle', user.token, bundleOf([{ resourceType: 'DeviceUsage', id: 'du1', status: 'active', timingDateTime: '2024-01-01', device: { concept: { text: 'CPAP machine' } } }]), 'application/fhir+json');
    const job = await waitForJob(rt, user.token, r.body.jobId);
    expect(job.result).toMatchObject({ inserted: 1, skipped: 0 });
    expect((await items(user.token)).map((i) => [i.kind, i.effectiveAt])).toEqual([['fhir.DeviceUsage', '2024-01-01T00:00:00.000Z']]);
  });
});
