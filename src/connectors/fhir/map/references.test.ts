import { describe, expect, it } from 'vitest';
import { flatten } from '../import.ts';
import { ResourceIndex, typeAndId } from './references.ts';
import { summarize } from './summarize.ts';

const med = (text: string) => ({ resourceType: 'Medication', code: { text } });

describe('ResourceIndex', () => {
  it('resolves urn:uuid fullUrls, absolute and versioned references, and #contained ones', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:7f1c0e9e-0000-4000-8000-000000000001', resource: { ...med('Lisinopril 10 MG'), id: '7f1c0e9e-0000-4000-8000-000000000001' } },
        { fullUrl: 'urn:uuid:7f1c0e9e-0000-4000-8000-000000000002', resource: med('Metformin 500 MG') },
        { fullUrl: 'https://ehr.example.org/fhir/Medication/m3', resource: { ...med('Atorvastatin 20 MG'), id: 'm3' } },
      ],
    };
    const index = new ResourceIndex(flatten([bundle]));
    expect(index.resolve('urn:uuid:7f1c0e9e-0000-4000-8000-000000000001')?.code).toEqual({ text: 'Lisinopril 10 MG' });
    // An entry without id is still found by its fullUrl.
    expect(index.resolve('urn:uuid:7f1c0e9e-0000-4000-8000-000000000002')?.code).toEqual({ text: 'Metformin 500 MG' });
    expect(index.resolve('Medication/m3')?.id).toBe('m3');
    expect(index.resolve('https://ehr.example.org/fhir/Medication/m3/_history/4')?.id).toBe('m3');
    expect(index.resolve('https://other.example.org/fhir/Medication/m3')?.id).toBe('m3');
    expect(index.resolve('Medication/unknown')).toBeUndefined();
    const withContained = { resourceType: 'MedicationRequest', contained: [{ ...med('Insulin glargine'), id: 'med1' }], medicationReference: { reference: '#med1' } };
    expect(index.resolve('#med1', withContained)?.code).toEqual({ text: 'Insulin glargine' });
    expect(index.resolve('#med1')).toBeUndefined();
    expect(summarize(withContained, index).title).toBe('Medication: Insulin glargine');
    expect(summarize({ resourceType: 'MedicationRequest', medicationReference: { reference: 'urn:uuid:7f1c0e9e-0000-4000-8000-000000000002' } }, index).title).toBe('Medication: Metformin 500 MG');
  });

  it('links a Binary to its DocumentReference by relative, absolute or urn:uuid url', () => {
    const index = new ResourceIndex(
      flatten([
        {
          resourceType: 'Bundle',
          entry: [
            { resource: { resourceType: 'DocumentReference', id: 'd1', content: [{ attachment: { url: 'https://ehr.example.org/fhir/Binary/b1' } }] } },
            { resource: { resourceType: 'DocumentReference', id: 'd2', content: [{ attachment: { url: 'urn:uuid:0000-b2' } }] } },
            { fullUrl: 'urn:uuid:0000-b2', resource: { resourceType: 'Binary', id: 'b2' } },
          ],
        },
      ]),
    );
    expect(index.documentFor('b1')?.id).toBe('d1');
    expect(index.documentFor('b2')?.id).toBe('d2');
  });

  it('resolves Synthea-style conditional references by identifier', () => {
    const index = new ResourceIndex(
      flatten([
        {
          resourceType: 'Bundle',
          type: 'batch',
          entry: [
            { fullUrl: 'urn:uuid:p1', resource: { resourceType: 'Practitioner', id: 'p1', identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '9999912345' }], name: [{ given: ['Ada'], family: 'Jones', prefix: ['Dr.'] }] } },
          ],
        },
      ]),
    );
    expect(index.resolve('Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999912345')?.id).toBe('p1');
    expect(index.resolve('Practitioner?identifier=http%3A%2F%2Fhl7.org%2Ffhir%2Fsid%2Fus-npi%7C9999912345')?.id).toBe('p1');
    expect(index.resolve('Practitioner?identifier=9999912345')?.id).toBe('p1');
    expect(index.resolve('Organization?identifier=http://hl7.org/fhir/sid/us-npi|9999912345')).toBeUndefined();
    const enc = summarize({ resourceType: 'Encounter', id: 'e', type: [{ text: 'Check up' }], period: { start: '2020-01-01' }, participant: [{ individual: { reference: 'Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999912345' } }] }, index);
    expect(enc.text).toContain('Clinicians: Ada Jones');
  });

  it('dates a Synthea Goal (no dates of its own) from its CarePlan, else from the Condition it addresses', () => {
    const goal = { resourceType: 'Goal', id: 'g1', lifecycleStatus: 'accepted', description: { text: 'Hemoglobin A1c < 7.0' } };
    const lone = { resourceType: 'Goal', id: 'g2', description: { text: 'Lose weight' }, addresses: [{ reference: 'urn:uuid:c1' }] };
    const index = new ResourceIndex(
      flatten([
        {
          resourceType: 'Bundle',
          entry: [
            { fullUrl: 'urn:uuid:g1', resource: goal },
            { fullUrl: 'urn:uuid:g2', resource: lone },
            { fullUrl: 'urn:uuid:c1', resource: { resourceType: 'Condition', id: 'c1', code: { text: 'Obesity' }, onsetDateTime: '2015-05-05T10:00:00Z' } },
            { fullUrl: 'urn:uuid:cp', resource: { resourceType: 'CarePlan', id: 'cp', period: { start: '2002-04-20T20:57:25-04:00' }, goal: [{ reference: 'urn:uuid:g1' }] } },
          ],
        },
      ]),
    );
    expect(summarize(goal, index).title).toBe('Goal: Hemoglobin A1c < 7.0, 2002-04-20');
    expect(summarize(goal, index).effectiveAt).toBe('2002-04-21T00:57:25.000Z');
    expect(summarize(lone, index).effectiveAt).toBe('2015-05-05T10:00:00.000Z');
  });

  it('a Binary shared by several documents is as sensitive as the most sensitive of them', () => {
    const doc = (id: string, code?: string) => ({ resourceType: 'DocumentReference', id, ...(code ? { meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code }] } } : {}), content: [{ attachment: { url: 'Binary/shared' } }] });
    const binary = { resourceType: 'Binary', id: 'shared', contentType: 'text/plain', data: 'aGk=' };
    expect(new ResourceIndex(flatten([doc('a'), doc('b', 'V'), binary])).sensitivity(binary)).toBe('secret');
    expect(new ResourceIndex(flatten([doc('a'), doc('b', 'R'), binary])).sensitivity(binary)).toBe('private');
    expect(new ResourceIndex(flatten([doc('a'), binary])).sensitivity(binary)).toBe('normal');
  });

  it('a Binary presented by a DiagnosticReport takes its labels, date and name', () => {
    const report = { resourceType: 'DiagnosticReport', id: 'r', code: { text: 'Psychiatry consult' }, effectiveDateTime: '2021-03-03', meta: { security: [{ code: 'PSY' }] }, presentedForm: [{ contentType: 'text/plain', url: 'Binary/rb' }] };
    const binary = { resourceType: 'Binary', id: 'rb', contentType: 'text/plain', data: Buffer.from('consult text').toString('base64') };
    const index = new ResourceIndex(flatten([report, binary]));
    expect(index.sensitivity(binary)).toBe('secret');
    expect(summarize(binary, index).title).toBe('Document text: Psychiatry consult, 2021-03-03');
  });

  it('names a pharmacy claim by the medication of its prescription', () => {
    const index = new ResourceIndex(flatten([{ resourceType: 'Bundle', entry: [{ fullUrl: 'urn:uuid:mr', resource: { resourceType: 'MedicationRequest', id: 'mr', medicationCodeableConcept: { text: 'lisinopril 10 MG Oral Tablet' } } }] }]));
    const claim = summarize({ resourceType: 'Claim', id: 'c', type: { coding: [{ code: 'pharmacy' }] }, created: '2020-02-02', prescription: { reference: 'urn:uuid:mr' } }, index);
    expect(claim.title).toBe('Claim (pharmacy): lisinopril 10 MG Oral Tablet, 2020-02-02');
  });

  it('reads Type/id out of references', () => {
    expect(typeAndId('Patient/123')).toBe('Patient/123');
    expect(typeAndId('https://x.org/R4/Patient/abc.1/_history/2')).toBe('Patient/abc.1');
    expect(typeAndId('urn:uuid:abc')).toBeUndefined();
  });
});
