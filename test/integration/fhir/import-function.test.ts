import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { importFhirResources } from '../../../src/connectors/fhir/import.ts';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime();
});
afterAll(async () => {
  await rt?.destroy();
});

const condition = (id: string, text: string) => ({
  resourceType: 'Condition',
  id,
  code: { coding: [{ system: 'http://snomed.info/sct', code: '38341003', display: text }] },
  onsetDateTime: '2012-05-01',
});

describe('importFhirResources (as the Apple Health importer calls it)', () => {
  it('imports loose resources idempotently, replaces changed ones, and reports skips through warn', async () => {
    const user = await rt.signup();
    const warnings: string[] = [];
    const resources = [condition('c1', 'Hypertension'), condition('c2', 'Asthma'), { resourceType: 'MedicationOrder', id: 'm1', dateWritten: '2016-04-01', medicationCodeableConcept: { text: 'Amlodipine 5 MG' } }, { nope: true }];
    const first = await importFhirResources(rt.deps.items, user.userId, resources, { source: 'apple-health', warn: (m) => warnings.push(m) });
    expect(first).toEqual({ inserted: 3, updated: 0, unchanged: 0, skipped: 1 });
    expect(warnings).toEqual(['skipped an object without a valid resourceType']);

    const again = await importFhirResources(rt.deps.items, user.userId, resources, { source: 'apple-health' });
    expect(again).toEqual({ inserted: 0, updated: 0, unchanged: 3, skipped: 1 });

    const changed = await importFhirResources(rt.deps.items, user.userId, [condition('c1', 'Essential hypertension')], { source: 'apple-health' });
    expect(changed).toEqual({ inserted: 0, updated: 1, unchanged: 0, skipped: 0 });
    const list = await rt.api('GET', '/api/vault/items?source=apple-health&kind=fhir.Condition', { token: user.token });
    expect(list.body.items.map((i: any) => i.title).sort()).toEqual(['Condition: Asthma, 2012-05-01', 'Condition: Essential hypertension, 2012-05-01']);
    const other = await rt.signup();
    expect((await rt.api('GET', '/api/vault/items?source=apple-health', { token: other.token })).body.items).toEqual([]);
  });
});
