import { describe, expect, it } from 'vitest';
import { recordFacts } from './record-facts.ts';
import { byEncounter, groupedList, matchesTopic, seriesOf, seriesSection, visitLines, type Rec } from './shape.ts';
import { TOPICS } from './vocabulary.ts';

const rec = (id: string, resource: Record<string, unknown>, date: string, title = ''): Rec => ({
  id,
  kind: `fhir.${resource.resourceType}`,
  source: 'fhir-bundle',
  sourceId: `${resource.resourceType}/${resource.id}`,
  date: new Date(date),
  title,
  text: '',
  categories: [],
  facts: recordFacts(resource),
});
const topic = (id: string) => TOPICS.find((t) => t.id === id)!;
const med = (id: string, status: string, authoredOn: string, name = 'Metformin 500 MG Oral Tablet') =>
  rec(id, { resourceType: 'MedicationRequest', id, status, authoredOn, medicationCodeableConcept: { text: name } }, authoredOn);
const a1c = (id: string, date: string, value: number) =>
  rec(id, { resourceType: 'Observation', id, code: { coding: [{ system: 'http://loinc.org', code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood' }] }, valueQuantity: { value, unit: '%' }, effectiveDateTime: date }, date);

describe('context shapes', () => {
  it('a medication ordered many times is one line: its newest order decides the status, its first the start', () => {
    const lines = groupedList([med('m1', 'stopped', '2019-01-05'), med('m2', 'active', '2023-02-01'), med('m3', 'stopped', '2021-06-01'), med('m4', 'stopped', '2018-03-03', 'Simvastatin 20 MG')]);
    expect(lines).toEqual([
      { text: 'Metformin 500 MG Oral Tablet — active (since 2019-01-05, latest record 2023-02-01)', itemIds: ['m2', 'm1'], required: true },
      { text: 'Simvastatin 20 MG — stopped (2018-03-03)', itemIds: ['m4'], required: true },
    ]);
  });

  it('a series is newest first, each reading its own citable row, older ones counted', () => {
    const recs = [a1c('o1', '2020-01-01', 7.9), a1c('o3', '2024-01-01', 6.8), a1c('o2', '2022-01-01', 7.2)];
    const [s] = seriesOf(recs);
    const section = seriesSection(s.name, s.recs, { max: 2 });
    expect(section.lines).toEqual([
      { text: '2024-01-01: 6.8 %', itemIds: ['o3'], required: true },
      { text: '2022-01-01: 7.2 %', itemIds: ['o2'], required: true },
      { text: '(1 older readings not shown)', itemIds: [] },
    ]);
    expect(section.points?.map((p) => p.itemId)).toEqual(['o3', 'o2']);
  });

  it('topics match by code or by whole display words, not by a shared word', () => {
    const bp = rec('b', { resourceType: 'Observation', id: 'b', code: { coding: [{ system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel' }] } }, '2024-01-01');
    const hgb = rec('h', { resourceType: 'Observation', id: 'h', code: { coding: [{ system: 'http://loinc.org', code: '718-7', display: 'Hemoglobin [Mass/volume] in Blood' }] } }, '2024-01-01');
    expect(matchesTopic(bp, topic('blood-pressure'))).toBe(true);
    expect(matchesTopic(hgb, topic('blood-pressure'))).toBe(false);
    expect(matchesTopic(a1c('a', '2024-01-01', 7), topic('a1c'))).toBe(true);
    expect(matchesTopic(a1c('a', '2024-01-01', 7), topic('hemoglobin'))).toBe(false);
    const note: Rec = { id: 'n', kind: 'note', source: 'user', sourceId: null, date: null, title: 'Kidney diet', text: 'low salt for my kidneys', categories: [] };
    expect(matchesTopic(note, topic('kidney'))).toBe(true);
  });

  it('a visit folds in its bills and the problems diagnosed at it', () => {
    const visit = rec('v', { resourceType: 'Encounter', id: 'e1', class: { code: 'EMER' }, type: [{ text: 'Emergency room admission' }], period: { start: '2025-05-08T10:00:00Z' } }, '2025-05-08');
    const claim = rec('c', { resourceType: 'Claim', id: 'cl', total: { value: 1200, currency: 'USD' }, item: [{ encounter: [{ reference: 'Encounter/e1' }] }] }, '2025-05-08');
    const eob = rec('e', { resourceType: 'ExplanationOfBenefit', id: 'eob', payment: { amount: { value: 900, currency: 'USD' } }, total: [{ amount: { value: 1200, currency: 'USD' } }], item: [{ encounter: [{ reference: 'urn:uuid:e1' }] }] }, '2025-05-08');
    const dx = rec('d', { resourceType: 'Condition', id: 'd1', code: { text: 'Fracture of wrist' }, encounter: { reference: 'Encounter/e1' } }, '2025-05-08');
    const [line] = visitLines([visit], byEncounter([claim, eob]), byEncounter([dx]));
    expect(line.itemIds).toEqual(['v', 'd', 'c', 'e']);
    expect(line.text).toMatch(/^2025-05-08 Emergency room admission \[emergency\]; diagnosed: Fracture of wrist; billed 1200.* insurance paid 900/);
  });
});
