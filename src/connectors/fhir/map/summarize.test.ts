import { describe, expect, it, onTestFinished } from 'vitest';
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
    expect(summarize({ resourceType: 'EpisodeOfCare', id: 'f', status: 'finished', period: { start: '2001-01-01' } }, none).title).toBe('EpisodeOfCare, 2001-01-01');
    const basic = summarize({ resourceType: 'Basic', id: 'b', code: { text: 'Advance directive' }, text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><p>Do not resuscitate</p></div>' } }, none);
    expect(basic.title).toBe('Basic: Advance directive');
    expect(basic.text).toContain('Summary: Do not resuscitate');
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

const b64 = (t: string) => Buffer.from(t, 'utf8').toString('base64');
const day = (iso: string) => iso.slice(0, 10);

describe('dates and summaries of the other types real exports carry', () => {
  const cases: [string, Record<string, unknown>, string, string | null][] = [
    ['Appointment start', { resourceType: 'Appointment', status: 'booked', start: '2024-05-06T14:30:00Z', serviceType: [{ text: 'Cardiology follow-up' }], participant: [{ actor: { display: 'Dr. Ada Jones' } }] }, 'Appointment: Cardiology follow-up, 2024-05-06', '2024-05-06T14:30:00.000Z'],
    ['Communication sent', { resourceType: 'Communication', status: 'completed', sent: '2024-01-02T08:00:00Z', payload: [{ contentString: 'Your lab results are normal.' }], sender: { display: 'Clinic' } }, 'Message, 2024-01-02', '2024-01-02T08:00:00.000Z'],
    ['Communication received', { resourceType: 'Communication', status: 'completed', received: '2024-01-03', category: [{ text: 'notification' }] }, 'Message: notification, 2024-01-03', '2024-01-03T00:00:00.000Z'],
    ['QuestionnaireResponse authored', { resourceType: 'QuestionnaireResponse', status: 'completed', authored: '2023-11-11T10:00:00Z', questionnaire: 'http://loinc.org/q/44249-1', item: [{ linkId: '1', text: 'Little interest or pleasure in doing things?', answer: [{ valueCoding: { display: 'Several days' } }] }] }, 'Questionnaire response: 44249-1, 2023-11-11', '2023-11-11T10:00:00.000Z'],
    ['ImagingStudy started', { resourceType: 'ImagingStudy', status: 'available', started: '2019-04-01T09:00:00Z', procedureCode: [{ text: 'Chest X-ray' }], series: [{ modality: { code: 'DX', display: 'Digital Radiography' }, bodySite: { display: 'Chest' }, instance: [{}, {}] }] }, 'Imaging study: Chest X-ray, 2019-04-01', '2019-04-01T09:00:00.000Z'],
    ['Specimen collectedDateTime', { resourceType: 'Specimen', type: { text: 'Venous blood' }, collection: { collectedDateTime: '2022-02-02T07:00:00Z' } }, 'Specimen: Venous blood, 2022-02-02', '2022-02-02T07:00:00.000Z'],
    ['Specimen collectedPeriod', { resourceType: 'Specimen', type: { text: 'Urine' }, collection: { collectedPeriod: { start: '2022-02-03' } } }, 'Specimen: Urine, 2022-02-03', '2022-02-03T00:00:00.000Z'],
    ['Provenance recorded', { resourceType: 'Provenance', recorded: '2021-06-07T12:00:00Z', target: [{ reference: 'urn:uuid:1' }, { reference: 'urn:uuid:2' }], agent: [{ who: { display: 'Hospital A' } }] }, 'Provenance: record history, 2021-06-07', '2021-06-07T12:00:00.000Z'],
    ['Media createdDateTime', { resourceType: 'Media', status: 'completed', createdDateTime: '2020-08-09T10:00:00Z', content: { contentType: 'image/jpeg', title: 'Skin lesion photo' } }, 'Media: Skin lesion photo, 2020-08-09', '2020-08-09T10:00:00.000Z'],
    ['RiskAssessment occurrenceDateTime', { resourceType: 'RiskAssessment', status: 'final', occurrenceDateTime: '2018-03-04', code: { text: 'Cardiac risk' }, prediction: [{ outcome: { text: 'Heart attack' }, probabilityDecimal: 0.123 }] }, 'Risk assessment: Cardiac risk, 2018-03-04', '2018-03-04T00:00:00.000Z'],
    ['Goal target dueDate', { resourceType: 'Goal', lifecycleStatus: 'active', description: { text: 'Lose weight' }, target: [{ measure: { text: 'Body weight' } }, { dueDate: '2025-01-01' }] }, 'Goal: Lose weight, 2025-01-01', '2025-01-01T00:00:00.000Z'],
    ['Goal startDate', { resourceType: 'Goal', lifecycleStatus: 'active', description: { text: 'Quit smoking' }, startDate: '2024-02-02', target: [{ dueDate: '2025-01-01' }] }, 'Goal: Quit smoking, 2024-02-02', '2024-02-02T00:00:00.000Z'],
    ['Condition onsetString (year)', { resourceType: 'Condition', code: { text: 'Asthma' }, onsetString: '1999' }, 'Condition: Asthma, 1999', '1999-01-01T00:00:00.000Z'],
    ['Condition recordedDate', { resourceType: 'Condition', code: { text: 'Asthma' }, onsetString: 'childhood', recordedDate: '2015-05-05' }, 'Condition: Asthma, 2015-05-05', '2015-05-05T00:00:00.000Z'],
    ['Procedure performedString', { resourceType: 'Procedure', status: 'completed', code: { text: 'Appendectomy' }, performedString: '2010-07' }, 'Procedure: Appendectomy, 2010-07', '2010-07-01T00:00:00.000Z'],
    ['Observation effectiveTiming', { resourceType: 'Observation', status: 'final', code: { text: 'Steps' }, valueInteger: 9000, effectiveTiming: { event: ['2024-04-04T06:00:00Z'] } }, 'Steps 9000, 2024-04-04', '2024-04-04T06:00:00.000Z'],
    ['Observation effectiveInstant', { resourceType: 'Observation', status: 'final', code: { text: 'Weight' }, valueQuantity: { value: 70, unit: 'kg' }, effectiveInstant: '2024-04-05T06:00:00.123Z' }, 'Weight 70 kg, 2024-04-05', '2024-04-05T06:00:00.123Z'],
    ['ServiceRequest authoredOn', { resourceType: 'ServiceRequest', status: 'active', intent: 'order', code: { text: 'Lipid panel' }, authoredOn: '2024-06-01T10:00:00Z' }, 'Order: Lipid panel, 2024-06-01', '2024-06-01T10:00:00.000Z'],
    ['MedicationAdministration effectiveDateTime', { resourceType: 'MedicationAdministration', status: 'completed', medicationCodeableConcept: { text: 'Ceftriaxone 1 g' }, effectiveDateTime: '2024-06-02T10:00:00Z', dosage: { dose: { value: 1, unit: 'g' } } }, 'Medication: Ceftriaxone 1 g, 2024-06-02', '2024-06-02T10:00:00.000Z'],
    ['MedicationDispense whenHandedOver', { resourceType: 'MedicationDispense', status: 'completed', medicationCodeableConcept: { text: 'Amoxicillin 500 mg' }, whenHandedOver: '2024-06-03', quantity: { value: 30, unit: 'capsules' } }, 'Medication: Amoxicillin 500 mg, 2024-06-03', '2024-06-03T00:00:00.000Z'],
    ['MedicationStatement effectivePeriod', { resourceType: 'MedicationStatement', status: 'active', medicationCodeableConcept: { text: 'Vitamin D' }, effectivePeriod: { start: '2023-01-01' } }, 'Medication: Vitamin D, 2023-01-01', '2023-01-01T00:00:00.000Z'],
    ['Claim billablePeriod', { resourceType: 'Claim', status: 'active', type: { coding: [{ code: 'institutional' }] }, billablePeriod: { start: '2019-01-01T10:00:00Z', end: '2019-01-01T11:00:00Z' }, item: [{ productOrService: { text: 'Encounter for check up' } }], total: { value: 129.16, currency: 'USD' } }, 'Claim (institutional): Encounter for check up, 2019-01-01', '2019-01-01T10:00:00.000Z'],
    ['ExplanationOfBenefit billablePeriod', { resourceType: 'ExplanationOfBenefit', status: 'active', type: { text: 'pharmacy' }, billablePeriod: { start: '2019-02-01' }, total: [{ category: { text: 'Submitted' }, amount: { value: 10, currency: 'USD' } }] }, 'Explanation of benefit (pharmacy): no services listed, 2019-02-01', '2019-02-01T00:00:00.000Z'],
    ['SupplyDelivery occurrenceDateTime', { resourceType: 'SupplyDelivery', status: 'completed', occurrenceDateTime: '2020-01-01T00:00:00Z', suppliedItem: { quantity: { value: 2 }, itemCodeableConcept: { text: 'Blood glucose test strips' } } }, 'Supply delivery: Blood glucose test strips, 2020-01-01', '2020-01-01T00:00:00.000Z'],
    ['Device manufactureDate', { resourceType: 'Device', status: 'active', deviceName: [{ name: 'Cardiac pacemaker', type: 'user-friendly-name' }], manufactureDate: '2017-05-05T00:00:00Z' }, 'Device: Cardiac pacemaker, 2017-05-05', '2017-05-05T00:00:00.000Z'],
    ['CareTeam period, named by its reason', { resourceType: 'CareTeam', status: 'active', period: { start: '2016-01-01' }, reasonCode: [{ text: 'Diabetes' }], participant: [{ member: { display: 'Dr. Lee' } }] }, 'Care team: for Diabetes, 2016-01-01', '2016-01-01T00:00:00.000Z'],
    ['FamilyMemberHistory conditions', { resourceType: 'FamilyMemberHistory', status: 'completed', relationship: { text: 'Mother' }, date: '2012-12-12', condition: [{ code: { text: 'Breast cancer' }, onsetAge: { value: 50, unit: 'a' } }] }, 'Family history: Mother — Breast cancer (onset 50 a), 2012-12-12', '2012-12-12T00:00:00.000Z'],
    ['Location (no date)', { resourceType: 'Location', name: 'General Hospital', address: { city: 'Springfield', state: 'MA', line: ['1 Main St'] } }, 'Location: General Hospital', null],
    ['PractitionerRole', { resourceType: 'PractitionerRole', practitioner: { display: 'Dr. Ada Jones' }, specialty: [{ text: 'Cardiology' }], organization: { display: 'General Hospital' } }, 'Practitioner role: Dr. Ada Jones', null],
    ['Organization', { resourceType: 'Organization', name: 'General Hospital' }, 'Organization: General Hospital', null],
  ];
  it.each(cases)('%s', (_label, resource, title, effectiveAt) => {
    const s = summarize({ id: 'x', ...resource }, none);
    expect(s.title).toBe(title);
    expect(s.effectiveAt).toBe(effectiveAt);
    expect(s.text).not.toMatch(/[{}[\]"]/);
  });

  it('puts the text of messages, answers, family conditions and predictions into the summary', () => {
    const text = (r: Record<string, unknown>) => summarize({ id: 'x', ...r }, none).text;
    expect(text(cases[1][1])).toContain('Your lab results are normal.');
    expect(text(cases[3][1])).toContain('Little interest or pleasure in doing things?: Several days');
    expect(text(cases[4][1])).toContain('Series: 1 (2 images)');
    expect(text(cases[9][1])).toContain('Prediction: Heart attack 12.3%');
    expect(text(cases[13][1])).toContain('Onset: childhood');
    expect(text(cases[18][1])).toContain('Dosage: 1 g');
    expect(text(cases[19][1])).toContain('Quantity: 30 capsules');
    expect(text(cases[26][1])).toContain('Condition: Breast cancer (onset 50 a)');
    expect(text(cases[27][1])).toContain('Place: Springfield, MA');
    expect(text(cases[27][1])).not.toContain('Main St');
    expect(text(cases[28][1])).toContain('Specialty: Cardiology');
  });

  it('reads a dateTime without an offset as UTC, whatever the server time zone', () => {
    // Run in a zone far from UTC: in UTC itself a local-time reading would go unnoticed.
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York';
    onTestFinished(() => {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    });
    expect(new Date('2024-03-02T10:00:00').getTimezoneOffset()).not.toBe(0);
    const s = summarize({ resourceType: 'Observation', id: 'o', code: { text: 'Pulse' }, valueInteger: 60, effectiveDateTime: '2024-03-02T10:00:00' }, none);
    expect(s.effectiveAt).toBe('2024-03-02T10:00:00.000Z');
    expect(summarize({ resourceType: 'Appointment', id: 'a', start: '2024-03-02T23:30:00.5' }, none).effectiveAt).toBe('2024-03-02T23:30:00.500Z');
    expect(summarize({ resourceType: 'Appointment', id: 'a', start: '2024-03-02T23:30:00+02:00' }, none).effectiveAt).toBe('2024-03-02T21:30:00.000Z');
  });
});

describe('inline note text (newer Synthea)', () => {
  const note = 'Patient is a 45 year-old male. Chief complaint: persistent cough.';
  it('decodes DocumentReference attachment data, plain or HTML', () => {
    const s = summarize(
      {
        resourceType: 'DocumentReference',
        id: 'd',
        status: 'current',
        type: { coding: [{ system: 'http://loinc.org', code: '34117-2', display: 'History and physical note' }] },
        date: '2021-01-01T10:00:00Z',
        content: [
          { attachment: { contentType: 'text/plain; charset=utf-8', data: b64(note) } },
          { attachment: { contentType: 'text/html', data: b64(`<html><body><p>${note}</p><script>x()</script></body></html>`) } },
        ],
      },
      none,
    );
    expect(s.title).toBe('Document: History and physical note, 2021-01-01');
    expect(s.text).toContain(note);
    // The same note in two formats appears once; markup and scripts are gone.
    expect(s.text.split(note)).toHaveLength(2);
    expect(s.text).not.toMatch(/<|x\(\)/);
  });

  it('decodes DiagnosticReport presentedForm, including C-CDA XML, with a bound on length', () => {
    const xml = `<?xml version="1.0"?><ClinicalDocument xmlns="urn:hl7-org:v3"><component><section><text>${note}</text></section></component></ClinicalDocument>`;
    const s = summarize({ resourceType: 'DiagnosticReport', id: 'r', status: 'final', code: { text: 'Progress note' }, effectiveDateTime: '2021-02-02', presentedForm: [{ contentType: 'application/xml', data: b64(xml) }] }, none);
    expect(day(s.effectiveAt!)).toBe('2021-02-02');
    expect(s.text).toContain(note);
    expect(s.text).not.toContain('ClinicalDocument');
    const huge = summarize({ resourceType: 'DiagnosticReport', id: 'r2', code: { text: 'Long note' }, presentedForm: [{ contentType: 'text/plain', data: b64('word '.repeat(500_000)) }] }, none);
    expect(huge.text.length).toBeLessThanOrEqual(200_000);
    expect(huge.text).toContain('word word');
  });

  it('reads a Binary contained in the DocumentReference', () => {
    const doc = { resourceType: 'DocumentReference', id: 'c', description: 'Letter', contained: [{ resourceType: 'Binary', id: 'b', contentType: 'text/plain', data: b64(note) }], content: [{ attachment: { contentType: 'text/plain', url: '#b' } }] };
    expect(summarize(doc, { resolve: (ref, from) => (ref === '#b' ? (from as any).contained[0] : undefined), documentFor: () => undefined }).text).toContain(note);
  });

  it('ignores binary formats and reads untyped attachments only when they are text', () => {
    const pdf = summarize({ resourceType: 'DocumentReference', id: 'p', description: 'Scan', content: [{ attachment: { contentType: 'application/pdf', data: b64('%PDF-1.4 secret words') } }] }, none);
    expect(pdf.text).not.toContain('secret words');
    const untyped = summarize({ resourceType: 'DocumentReference', id: 'u', description: 'Note', content: [{ attachment: { data: b64(note) } }] }, none);
    expect(untyped.text).toContain(note);
    const png = summarize({ resourceType: 'DocumentReference', id: 'g', description: 'Image', content: [{ attachment: { data: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]).toString('base64') } }] }, none);
    expect(png.text).toBe('Document: Image');
  });
});

describe('documents and loose dates', () => {
  it('a Composition reads as its sections', () => {
    const s = summarize(
      {
        resourceType: 'Composition',
        id: 'c',
        status: 'final',
        title: 'International Patient Summary',
        date: '2022-10-10T10:10:10Z',
        section: [{ title: 'Allergies', text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><ul><li>Penicillin: hives</li></ul></div>' } }],
      },
      none,
    );
    expect(s.title).toBe('Document: International Patient Summary, 2022-10-10');
    expect(s.text).toContain('Allergies: Penicillin: hives');
  });

  it('reads "2024-03-02 10:00:00" (a space for the T) as UTC', () => {
    expect(summarize({ resourceType: 'Appointment', id: 'a', start: '2024-03-02 10:00:00' }, none).effectiveAt).toBe('2024-03-02T10:00:00.000Z');
  });
});

describe('RTF notes', () => {
  it('reads the text of an RTF note without its font table or control words', () => {
    const rtf = String.raw`{\rtf1\ansi\deff0{\fonttbl{\f0\fnil Arial;}}{\colortbl;\red0\green0\blue0;}{\*\generator Riched20;}\viewkind4\uc1\pard\f0\fs20 Assessment: caf\'e9 visit, patient feels \b better\b0 .\par Plan: continue \{meds\}.\u8211? done\par}`;
    const s = summarize({ resourceType: 'Binary', id: 'r', contentType: 'text/rtf', data: Buffer.from(rtf, 'latin1').toString('base64') }, none);
    expect(s.text).toContain('Assessment: café visit, patient feels better.');
    expect(s.text).toContain('Plan: continue {meds}.– done');
    expect(s.text).not.toMatch(/Arial|fonttbl|Riched|\\/);
  });
});
