import { describe, expect, it } from 'vitest';
import { Redactor, emptyFacts, factsFromResources } from './redact.ts';

const now = new Date('2026-11-22T00:00:00Z');
const patient = {
  resourceType: 'Patient',
  name: [{ use: 'official', family: 'Powell', given: ['Camila', 'Maria'] }],
  telecom: [{ system: 'phone', value: '608-555-0199' }, { system: 'email', value: 'camila.p@example.org' }],
  address: [{ line: ['3268 West Johnson St.', 'Apt 117'], city: 'Garland', postalCode: '75043' }],
  identifier: [{ system: 'urn:oid:1.2.840', value: 'E4007' }, { value: '203713' }],
  birthDate: '1987-09-12',
};

describe('Redactor', () => {
  const r = new Redactor(factsFromResources([patient]), now);

  it('removes the person’s own identifiers learnt from their Patient record', () => {
    const out = r.redact('Camila Maria Powell (MRN E4007), 3268 West Johnson St. Apt 117, ZIP 75043, phone 608-555-0199, camila.p@example.org, DOB 1987-09-12');
    for (const s of ['Camila', 'Powell', 'E4007', 'Johnson', '75043', '608-555-0199', 'camila.p', '1987-09-12']) expect(out).not.toContain(s);
    expect(out).toContain('age 39');
  });

  it('catches identifiers it was not told about by pattern', () => {
    const out = new Redactor(emptyFacts(), now).redact(
      'Seen by Dr. Gregory House. SSN 123-45-6789, call (555) 010-9999, mail j.doe@mail.test, lives at 42 Wallaby Way, account no. 889911, Name: John Smith',
    );
    for (const s of ['Gregory', 'House', '123-45-6789', '010-9999', 'j.doe', 'Wallaby', '889911', 'John Smith']) expect(out).not.toContain(s);
  });

  it('keeps clinical content: values, units, dates and codes', () => {
    const text = 'Blood pressure 128/82 mmHg on 2024-03-02 (LOINC 85354-9); A1c 6.1 %; heart rate 58 bpm';
    expect(r.redact(text)).toBe(text);
  });

  it('does not redact a name inside another word', () => {
    expect(new Redactor(factsFromResources([{ resourceType: 'Patient', name: [{ given: ['Ann'] }] }]), now).redact('Annual physical; Ann called')).toBe('Annual physical; [name] called');
  });
});
