import { describe, expect, it } from 'vitest';
import { summarize, type SummaryContext } from './summarize.ts';

const none: SummaryContext = { resolve: () => undefined, documentFor: () => undefined };
const loinc = (code: string, display?: string) => ({ coding: [{ system: 'http://loinc.org', code, ...(display ? { display } : {}) }] });
const obs = (extra: Record<string, unknown>) => ({ resourceType: 'Observation', id: 'o1', status: 'final', effectiveDateTime: '2024-03-02T09:15:00Z', ...extra });

describe('Observation summaries', () => {
  it('reads a blood pressure panel as one sentence with its date and codes', () => {
    const s = summarize(
      obs({
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
        code: loinc('85354-9', 'Blood pressure panel'),
        component: [
          { code: loinc('8480-6', 'Systolic'), valueQuantity: { value: 128, unit: 'mm[Hg]' } },
          { code: loinc('8462-4', 'Diastolic'), valueQuantity: { value: 82, unit: 'mm[Hg]' } },
        ],
      }),
      none,
    );
    expect(s.title).toBe('Blood pressure 128/82 mmHg, 2024-03-02');
    expect(s.text).toContain('LOINC 85354-9');
    expect(s.text).toContain('LOINC 8480-6');
    expect(s.categories).toEqual(['vital-signs']);
    expect(s.effectiveAt).toBe('2024-03-02T09:15:00.000Z');
  });

  it.each([
    [{ valueQuantity: { value: 5.4, unit: 'mmol/L' } }, 'Glucose 5.4 mmol/L'],
    [{ valueQuantity: { value: 7, comparator: '<', unit: '%' } }, 'Glucose < 7 %'],
    [{ valueQuantity: { value: 3, code: '{score}' } }, 'Glucose 3'],
    [{ valueQuantity: { value: 109.00060586999754, unit: 'mg/dL' } }, 'Glucose 109 mg/dL'],
    [{ valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '260385009', display: 'Negative' }] } }, 'Glucose Negative'],
    [{ valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '260385009' }] } }, 'Glucose SNOMED 260385009'],
    [{ valueString: 'trace' }, 'Glucose trace'],
    [{ valueBoolean: true }, 'Glucose yes'],
    [{ valueInteger: 3 }, 'Glucose 3'],
    [{ valueRange: { low: { value: 4, unit: 'mmol/L' }, high: { value: 6, unit: 'mmol/L' } } }, 'Glucose 4 mmol/L to 6 mmol/L'],
    [{ valueRatio: { numerator: { value: 1 }, denominator: { value: 128 } } }, 'Glucose 1 / 128'],
    [{ valuePeriod: { start: '2024-01-01', end: '2024-01-05' } }, 'Glucose 2024-01-01 to 2024-01-05'],
    [{ valueDateTime: '2023-12-24T10:00:00Z' }, 'Glucose 2023-12-24'],
    [{ valueTime: '07:30:00' }, 'Glucose 07:30:00'],
    [{ valueSampledData: { origin: { value: 0 }, period: 10, dimensions: 1, data: '1 2 3' } }, 'Glucose sampled data series'],
    [{ dataAbsentReason: { coding: [{ code: 'not-asked', display: 'Not Asked' }] } }, 'Glucose no value (not asked)'],
  ])('renders %j', (value, head) => {
    const s = summarize(obs({ code: loinc('2339-0', 'Glucose'), ...value }), none);
    expect(s.title).toBe(`${head}, 2024-03-02`);
  });

  it('names a code without display by its system and code', () => {
    const s = summarize(obs({ code: loinc('2339-0'), valueQuantity: { value: 5, unit: 'mmol/L' } }), none);
    expect(s.title).toBe('LOINC 2339-0 5 mmol/L, 2024-03-02');
  });

  it('lists components of other panels and their absent values', () => {
    const s = summarize(
      obs({
        code: { text: 'Pain assessment' },
        component: [
          { code: { text: 'Pain score' }, valueInteger: 4 },
          { code: { text: 'Location' }, dataAbsentReason: { text: 'Unknown' } },
        ],
      }),
      none,
    );
    expect(s.title).toBe('Pain assessment: Pain score: 4; Location: no value (unknown), 2024-03-02');
  });

  it('keeps a resource without any date undated, and says so', () => {
    const s = summarize({ resourceType: 'Observation', id: 'x', code: { text: 'Height' }, valueQuantity: { value: 170, unit: 'cm' } }, none);
    expect(s.title).toBe('Height 170 cm');
    expect(s.effectiveAt).toBeNull();
    expect(s.text).toContain('Date not recorded');
  });

  it('reads partial dates as their first instant', () => {
    expect(summarize(obs({ code: { text: 'A' }, effectiveDateTime: '2019' }), none).effectiveAt).toBe('2019-01-01T00:00:00.000Z');
    expect(summarize(obs({ code: { text: 'A' }, effectiveDateTime: '2019-05' }), none).effectiveAt).toBe('2019-05-01T00:00:00.000Z');
    expect(summarize(obs({ code: { text: 'A' }, effectiveDateTime: 'not a date' }), none).effectiveAt).toBeNull();
  });
});

describe('other resource types', () => {
  it('Condition with status and onset', () => {
    const s = summarize(
      {
        resourceType: 'Condition',
        id: 'c',
        clinicalStatus: { coding: [{ code: 'active' }] },
        category: [{ coding: [{ code: 'problem-list-item' }] }],
        code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006', display: 'Diabetes mellitus type 2' }] },
        onsetDateTime: '2010-06-01',
      },
      none,
    );
    expect(s.title).toBe('Condition: Diabetes mellitus type 2, 2010-06-01');
    expect(s.text).toContain('Clinical status: active');
    expect(s.text).toContain('SNOMED 44054006');
    expect(s.categories).toEqual(['problem-list-item']);
  });

  it('MedicationRequest names the referenced Medication from the same import', () => {
    const med = { resourceType: 'Medication', id: 'm1', code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '860975', display: 'metformin 500 MG Oral Tablet' }] } };
    const ctx: SummaryContext = { resolve: (ref) => (ref === 'Medication/m1' ? med : undefined), documentFor: () => undefined };
    const s = summarize(
      { resourceType: 'MedicationRequest', id: 'r', status: 'active', authoredOn: '2024-02-01', medicationReference: { reference: 'Medication/m1' }, dosageInstruction: [{ text: 'one tablet twice daily' }] },
      ctx,
    );
    expect(s.title).toBe('Medication: metformin 500 MG Oral Tablet, 2024-02-01');
    expect(s.text).toContain('Dosage: one tablet twice daily');
  });

  it('Binary C-CDA text takes the date and title of its DocumentReference', () => {
    const doc = { resourceType: 'DocumentReference', id: 'd', type: { text: 'Patient Summary' }, date: '2020-12-22T14:11:13Z', content: [{ attachment: { url: 'Binary/b1' } }] };
    const xml = '<?xml version="1.0"?><ClinicalDocument><title>Summary</title><section><text>Allergies: none &amp; no reactions</text></section></ClinicalDocument>';
    const ctx: SummaryContext = { resolve: () => undefined, documentFor: (id) => (id === 'b1' ? doc : undefined) };
    const s = summarize({ resourceType: 'Binary', id: 'b1', contentType: 'application/xml', data: Buffer.from(xml).toString('base64') }, ctx);
    expect(s.title).toBe('Document text: Patient Summary, 2020-12-22');
    expect(s.text).toContain('Summary Allergies: none & no reactions');
    expect(s.effectiveAt).toBe('2020-12-22T14:11:13.000Z');
  });

  it('a PDF Binary has a title but no extracted text', () => {
    const s = summarize({ resourceType: 'Binary', id: 'p', contentType: 'application/pdf', data: Buffer.from('%PDF-1.4').toString('base64') }, none);
    expect(s.text).toBe('Document text: application/pdf');
  });

  it('an unfamiliar type gets a generic summary from its name or code', () => {
    expect(summarize({ resourceType: 'FamilyMemberHistory', id: 'f', status: 'completed', date: '2001-01-01' }, none).title).toBe('FamilyMemberHistory, 2001-01-01');
    expect(summarize({ resourceType: 'Location', id: 'l', name: 'Clinic A' }, none).title).toBe('Location: Clinic A');
  });

  it('caps the title and text of huge resources', () => {
    const s = summarize(obs({ code: { text: 'Note' }, valueString: 'y'.repeat(500_000) }), none);
    expect(s.title.length).toBeLessThanOrEqual(300);
    expect(s.text.length).toBeLessThanOrEqual(200_000);
  });

  it('reads DSTU2 records as Apple Health exports them', () => {
    const order = summarize(
      { resourceType: 'MedicationOrder', id: 'mo', dateWritten: '2016-04-01', medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '197361', display: 'Amlodipine 5 MG' }] } },
      none,
    );
    expect(order.title).toBe('Medication: Amlodipine 5 MG, 2016-04-01');
    expect(order.text).toContain('RxNorm 197361');
    const allergy = summarize({ resourceType: 'AllergyIntolerance', id: 'a', substance: { text: 'Penicillin' }, onset: '2001-02-03' }, none);
    expect(allergy.title).toBe('Allergy: Penicillin, 2001-02-03');
    expect(summarize({ resourceType: 'Immunization', id: 'i', vaccineCode: { text: 'Tdap' }, date: '2015-09-09' }, none).title).toBe('Immunization: Tdap, 2015-09-09');
  });
});
