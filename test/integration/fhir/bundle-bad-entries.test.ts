import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { waitForJob } from './support/harness.ts';
import { FHIR_ENTRY_MAX_STRING_CHARS } from '../../../src/connectors/fhir/entry-limits.ts';

/**
 * Issue 20 item 6: one bad entry (a NUL, a 100,000-deep extension, an over-long string) used to
 * fail the whole job with the database's raw text and lose every valid entry.
 */
let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime();
  await rt.deps.jobs.start();
});
afterAll(async () => {
  await rt?.destroy();
});

const obs = (id: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
  effectiveDateTime: '2024-03-02T08:00:00Z',
  valueQuantity: { value: 61, unit: '/min' },
  ...extra,
});

/** JSON text of an extension nested `depth` deep (JSON.stringify of such an object overflows the stack). */
const deepExtension = (depth: number) => `${'{"url":"http://example.org/nest","extension":['.repeat(depth)}{"url":"http://example.org/leaf"}${']}'.repeat(depth)}`;
/** A bundle's JSON text with each "__DEEP__" string replaced by a 100,000-deep extension. */
const withDeep = (v: unknown) => JSON.stringify(v).replaceAll('"__DEEP__"', deepExtension(100_000));

async function items(token: string) {
  const res = await rt.api('GET', '/api/vault/items?limit=500', { token });
  return res.body.items as { sourceId: string; kind: string; title: string; id: string }[];
}

describe('a bundle with bad entries', () => {
  it('imports every valid entry, skips the NUL, deep and over-long ones with warnings naming them, and keeps what was there', async () => {
    const user = await rt.signup();
    const before = await rt.api('POST', '/api/vault/items', { token: user.token, body: { kind: 'note', title: 'my own note', text: 'kept as it was' } });
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { resource: obs('ok-1') },
        { resource: obs('nul-1', { note: [{ text: 'patient said \u0000 then stopped' }] }) },
        { resource: obs('ok-2') },
        { resource: obs('deep-1', { extension: ['__DEEP__'] }) },
        { resource: { resourceType: 'DocumentReference', id: 'long-1', status: 'current', content: [{ attachment: { contentType: 'text/plain', data: 'A'.repeat(FHIR_ENTRY_MAX_STRING_CHARS + 1) } }] } },
        // A Medication with a NUL, referenced by a valid order: the order stays, and no NUL reaches it.
        { fullUrl: 'urn:uuid:med-bad', resource: { resourceType: 'Medication', id: 'med-bad', code: { text: 'amoxi\u0000cillin' } } },
        { resource: { resourceType: 'MedicationRequest', id: 'ok-3', status: 'active', intent: 'order', medicationReference: { reference: 'urn:uuid:med-bad' } } },
        // Inline note text that decodes to a NUL byte is our own derived text: stored without it.
        { resource: { resourceType: 'DocumentReference', id: 'ok-4', status: 'current', type: { text: 'Progress note' }, content: [{ attachment: { contentType: 'text/plain', data: Buffer.from('cough\u0000 resolved').toString('base64') } }] } },
      ],
    };
    const res = await rt.api('POST', '/api/imports/fhir-bundle', { token: user.token, body: withDeep(bundle), headers: { 'content-type': 'application/fhir+json' } });
    expect(res.status).toBe(202);
    expect(res.body.entries).toBe(8);
    const job = await waitForJob(rt, user.token, res.body.jobId, 120_000);
    expect(job.status).toBe('succeeded');
    expect(job.result).toMatchObject({ inserted: 4, skipped: 4 });
    expect(job.warnings).toEqual(
      expect.arrayContaining([
        'skipped entry 2 (Observation/nul-1): it holds a NUL character (\\u0000), which the vault cannot store',
        'skipped entry 4 (Observation/deep-1): it is nested more than 100 levels deep',
        `skipped entry 5 (DocumentReference/long-1): it holds a text of more than ${FHIR_ENTRY_MAX_STRING_CHARS.toLocaleString('en-US')} characters`,
        'skipped entry 6 (Medication/med-bad): it holds a NUL character (\\u0000), which the vault cannot store',
      ]),
    );
    // Never the database's words, never the record's.
    const said = JSON.stringify(job);
    expect(said).not.toMatch(/invalid byte sequence|UTF8|0x00|patient said|amoxi/);

    const got = await items(user.token);
    expect(got.map((i) => i.sourceId).sort()).toEqual([null, 'DocumentReference/ok-4', 'MedicationRequest/ok-3', 'Observation/ok-1', 'Observation/ok-2'].sort());
    const note = got.find((i) => i.sourceId === null)!;
    expect(note.id).toBe(before.body.id);
    expect((await rt.api('GET', `/api/vault/items/${note.id}`, { token: user.token })).body).toMatchObject({ title: 'my own note', text: 'kept as it was' });
    const doc = got.find((i) => i.sourceId === 'DocumentReference/ok-4')!;
    const docText = (await rt.api('GET', `/api/vault/items/${doc.id}`, { token: user.token })).body.text as string;
    expect(docText).toContain('resolved');
    expect(docText).not.toContain('\u0000');
    // The upload's sealed copy is gone once the job is done.
    expect(await rt.deps.db.selectFrom('import_uploads').selectAll().where('user_id', '=', user.userId).execute()).toEqual([]);
  });

  it('reads NDJSON with a 100,000-deep entry (no stack overflow at upload) and imports the rest', async () => {
    const user = await rt.signup();
    const lines = [obs('n-1'), obs('n-deep', { extension: ['__DEEP__'] }), obs('n-2')].map(withDeep);
    const res = await rt.api('POST', '/api/imports/fhir-bundle', { token: user.token, body: lines.join('\n'), headers: { 'content-type': 'application/fhir+ndjson' } });
    expect(res.status).toBe(202);
    const job = await waitForJob(rt, user.token, res.body.jobId, 120_000);
    expect(job.status).toBe('succeeded');
    expect(job.warnings).toContain('skipped entry 2 (Observation/n-deep): it is nested more than 100 levels deep');
    expect((await items(user.token)).map((i) => i.sourceId).sort()).toEqual(['Observation/n-1', 'Observation/n-2']);
  });
});
