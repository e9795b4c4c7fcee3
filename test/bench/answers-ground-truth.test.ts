import { describe, expect, it } from 'vitest';
import { generatePatients } from '../../bench/answers/generate.ts';
import { FhirScan } from '../../bench/answers/fhir-scan.ts';
import { absenceStated, date, factFound, num, numbersIn, text } from '../../bench/answers/facts.ts';
import { buildQuestions } from '../../bench/answers/questions/index.ts';
import { mainWord } from '../../bench/answers/questions/types.ts';
import { day } from '../../bench/answers/rng.ts';
import { sensitivityOf } from '../../src/connectors/fhir/map/sensitivity.ts';
import { contextItems } from '../../bench/answers/ask.ts';

const TODAY = '2026-06-15';
const patients = generatePatients(13, day(TODAY));
const questions = buildQuestions(patients, TODAY);
const bundle = (key: string) => patients.find((p) => p.key === key)!.bundle;
const q = (id: string) => questions.find((x) => x.id === id)!;

/** A direct scan of a Bundle, written independently of FhirScan: resources of a type, newest first. */
function direct(key: string, type: string): any[] {
  return bundle(key)
    .entry.map((e: any) => e.resource)
    .filter((r: any) => r.resourceType === type && !r.meta?.security)
    .sort((a: any, b: any) => String(b.effectiveDateTime ?? b.authoredOn ?? b.period?.start).localeCompare(String(a.effectiveDateTime ?? a.authoredOn ?? a.period?.start)));
}

describe('answers bench: generated patients', () => {
  it('are deterministic for a seed and a day, and differ for another seed', () => {
    expect(JSON.stringify(generatePatients(13, day(TODAY)))).toBe(JSON.stringify(patients));
    expect(JSON.stringify(generatePatients(14, day(TODAY)))).not.toBe(JSON.stringify(patients));
  });

  it('have years of history and a Claim and an ExplanationOfBenefit for every encounter', () => {
    for (const p of patients) {
      const types = p.bundle.entry.map((e: any) => e.resource.resourceType);
      const count = (t: string) => types.filter((x: string) => x === t).length;
      expect(count('Claim')).toBe(count('Encounter'));
      expect(count('ExplanationOfBenefit')).toBe(count('Encounter'));
    }
    for (const key of ['chronic', 'elderly']) expect(bundle(key).entry.length).toBeGreaterThan(500);
    expect(new FhirScan(bundle('elderly')).observations('6301-6').length).toBeGreaterThan(80);
  });

  it('label the sensitive records so that the importer makes them secret', () => {
    const secret = new FhirScan(bundle('sensitive')).secret();
    expect(secret.map((r) => r.resourceType)).toEqual(expect.arrayContaining(['Condition', 'Observation', 'MedicationRequest', 'DocumentReference', 'Claim']));
    for (const r of secret) expect(sensitivityOf(r)).toBe('secret');
  });
});

describe('answers bench: ground truth comes from the FHIR data', () => {
  it('the latest blood pressure is the newest BP panel of a direct scan, with its values and date', () => {
    const bps = direct('chronic', 'Observation').filter((o) => o.code.coding[0].code === '85354-9');
    const newest = bps[0];
    expect(q('chronic:last-bp').required).toEqual([`Observation/${newest.id}`]);
    const values = newest.component.map((c: any) => c.valueQuantity.value);
    expect(q('chronic:last-bp').facts).toEqual(expect.arrayContaining([...values.map((v: number) => expect.objectContaining({ kind: 'number', value: v })), expect.objectContaining({ kind: 'date', value: newest.effectiveDateTime.slice(0, 10) })]));
  });

  it('the current medications are exactly the active MedicationRequests, and stopped ones are not among them', () => {
    const active = direct('chronic', 'MedicationRequest').filter((m) => m.status === 'active');
    expect(active.length).toBeGreaterThanOrEqual(3);
    expect(new Set(q('chronic:pills').required)).toEqual(new Set(active.map((m) => `MedicationRequest/${m.id}`)));
    const stopped = direct('chronic', 'MedicationRequest').filter((m) => m.status === 'stopped');
    expect(new Set(q('chronic:stopped-meds').required)).toEqual(new Set(stopped.map((m) => `MedicationRequest/${m.id}`)));
  });

  it('a trend requires every reading of the period, and a follow-up the reading before the last', () => {
    const a1c = direct('chronic', 'Observation').filter((o) => o.code.coding[0].code === '4548-4');
    const since2020 = a1c.filter((o) => o.effectiveDateTime >= '2020-01-01');
    expect(q('chronic:a1c-trend').required).toEqual(since2020.map((o) => `Observation/${o.id}`));
    expect(q('chronic:a1c-before').required).toEqual([`Observation/${a1c[1].id}`]);
    expect(q('chronic:a1c-before').follows).toBe('chronic:last-a1c');
  });

  it('no question requires or counts as relevant a secret or withheld record', () => {
    const healthy = patients.find((p) => p.key === 'healthy')!;
    expect(healthy.unshared.map((r) => r.split('/')[0]).sort()).toEqual(['Claim', 'Encounter', 'ExplanationOfBenefit', 'Procedure']);
    expect(q('healthy:surgeries').facts).toEqual([expect.objectContaining({ kind: 'absence', value: 'procedure' })]);
    const secret = new Set([...new FhirScan(bundle('sensitive')).secret().map((r) => `${r.resourceType}/${r.id}`), ...healthy.unshared]);
    for (const x of questions) for (const ref of x.relevant) expect(secret.has(ref)).toBe(false);
  });
});

describe('answers bench: fact matching', () => {
  it('matches numbers whatever their trailing zeros or unit, not as part of another number or a date', () => {
    expect(factFound(num(7.2, 'A1c'), 'Hemoglobin A1c 7.20 % (observation, 2024-03-05)')).toBe(true);
    expect(factFound(num(7.2, 'A1c'), 'A1c 7.2%')).toBe(true);
    expect(factFound(num(7.2, 'A1c'), 'Glucose 17.2 mmol/L')).toBe(false);
    expect(factFound(num(7.2, 'A1c'), 'A1c 7.25 %')).toBe(false);
    expect(factFound(num(5, 'x'), 'on 2023-04-05')).toBe(false);
    expect(numbersIn('BP 128/82 mmHg on 2024-01-02, 1,5 mg')).toEqual([128, 82, 1.5]);
  });

  it('matches dates as YYYY-MM-DD and words case-insensitively', () => {
    expect(factFound(date('2024-03-05', 'd'), '… (observation, 2024-03-05, from fhir-bundle)')).toBe(true);
    expect(factFound(date('2024-03-05', 'd'), '5 March 2024')).toBe(false);
    expect(factFound(text('metformin'), 'Medication: 24 HR Metformin hydrochloride 1000 MG')).toBe(true);
    expect(mainWord('Diabetes mellitus type 2 (disorder)')).toMatch(/^diabete/);
    expect(mainWord('Allergy to peanuts (finding)')).toBe('peanut');
    expect(mainWord('24 HR Metformin hydrochloride 1000 MG Extended Release Oral Tablet')).toBe('metformin');
  });

  it('counts absence only when the notice or a sentence says no records of that kind are shared', () => {
    const absent = { kind: 'absence' as const, value: 'allergy', what: 'no allergies' };
    expect(factFound(absent, 'anything', 'none_of_kind')).toBe(true);
    expect(factFound(absent, 'No allergy records are shared with the assistant.')).toBe(true);
    expect(factFound(absent, '(none: the person has not shared any records relevant to this question)', 'nothing_relevant')).toBe(false);
    expect(absenceStated('Allergy: Latex allergy. No medication records are shared.', 'allergy')).toBe(false);
    expect(absenceStated('If no allergy records are shared, say none are on file.', 'allergy')).toBe(false);
  });
});

describe('answers bench: context items', () => {
  it('counts the items a series table or summary line cites, each once, judged by the vault listing', () => {
    const a = '11111111-1111-4111-8111-111111111111';
    const b = '22222222-2222-4222-8222-222222222222';
    const stranger = '33333333-3333-4333-8333-333333333333';
    const byId = new Map([
      [a, { id: a, kind: 'fhir.Observation', title: 'A1c 7.2 %', sourceId: 'Observation/x', sensitivity: 'normal' }],
      [b, { id: b, kind: 'fhir.Observation', title: 'A1c 6.9 %', sourceId: 'Observation/y', sensitivity: 'normal' }],
    ]);
    const event = { conversationId: stranger, items: [{ id: a, title: 'A1c series', kind: 'series', rows: [{ cites: [a, b] }] }, { id: stranger, title: '?', kind: 'note' }] };
    expect(contextItems(event, byId)).toEqual([
      { id: a, ref: 'Observation/x', kind: 'fhir.Observation', title: 'A1c 7.2 %' },
      { id: b, ref: 'Observation/y', kind: 'fhir.Observation', title: 'A1c 6.9 %' },
      { id: stranger, ref: undefined, kind: 'note', title: '?' },
    ]);
  });
});
