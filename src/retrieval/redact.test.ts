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

  const bare = new Redactor(emptyFacts(), now);

  it.each([
    ['call (555)123-4567 today', '(555)123-4567'],
    ['UK office +44 20 7946 0958', '7946 0958'],
    ['MR. JOHN SMITH seen in clinic', 'JOHN SMITH'],
    ['PATIENT: SMITH, JOHN A', 'SMITH'],
    ['Patient: Camila Powell, 39', 'Camila'],
    ['Name: Okafor', 'Okafor'],
    ['Ms. Zhang reports', 'Zhang'],
    ['born 4 March 1961 in Leeds', '1961'],
    ['Birthdate: 3-4-1961', '1961'],
    ['b. 03/04/61', '03/04/61'],
    ['DOB 1961-03-04', '1961-03-04'],
    ['Medical Record #: 12345678', '12345678'],
    ['Acct 12345678', '12345678'],
    ['SSN 123 45 6789', '6789'],
    ['lives at 12 N Main St', 'Main'],
    ['mail to PO Box 1234', '1234'],
    ['742 EVERGREEN TERRACE', 'EVERGREEN'],
    ['12 N Main St, Springfield, IL 62704', 'Springfield'],
    ['12 N Main St, Springfield, IL 62704', '62704'],
  ])('redacts %s', (text, secret) => {
    expect(bare.redact(text)).not.toContain(secret);
  });

  it('turns a birth date it finds into the age it gives', () => {
    expect(bare.redact('born 4 March 1961')).toBe('age 65');
    expect(bare.redact('DOB 1961-03-04')).toBe('age 65');
    expect(bare.redact('b. 03/04/61')).toBe('age 65');
  });

  it.each([
    'Patient: Complains of chest pain',
    'Patient: BP 128/82 mmHg, A1c 6.1%',
    'BP 128/82 on 2024-03-05; glucose 5.4 mmol/L (LOINC 2345-7)',
    'Observation date 03/04/2024, heart rate 58 bpm',
    'MS flare, seen 2023-11-02; DRUG SCREEN negative',
    'take 2 tablets twice daily for 10 days',
    'Name of test: lipid panel',
  ])('does not over-redact %s', (text) => {
    expect(bare.redact(text)).toBe(text);
  });

  it('redacts two-letter names from the Patient record', () => {
    const r2 = new Redactor(factsFromResources([{ resourceType: 'Patient', name: [{ given: ['Li'], family: 'Wu' }] }]), now);
    expect(r2.redact('Li Wu attended; Wu reported sleeping well')).toBe('[name] attended; [name] reported sleeping well');
    expect(r2.redact('Lithium level within range')).toBe('Lithium level within range');
  });

  it('treats a record name that is also a word as a proper noun only', () => {
    const r3 = new Redactor(factsFromResources([{ resourceType: 'Patient', name: [{ given: ['May'], family: 'Hope' }] }]), now);
    expect(r3.redact('You may stop the statin; we hope it helps. May called; HOPE, MAY A')).toBe('You may stop the statin; we hope it helps. [name] called; [name], [name] A');
    expect(r3.redact('spoke to may hope')).toBe('spoke to [name]');
  });
});

describe('Redactor: names nobody told us about, from the shipped name lists', () => {
  const bare = new Redactor(emptyFacts(), now);

  it.each([
    ['Went to the clinic with John Smith on Monday.', 'John Smith'],
    ['Call Maria Garcia about the refill', 'Maria Garcia'],
    ['JENNIFER LOPEZ brought the results', 'JENNIFER LOPEZ'],
    ['Seen with Robert J. Williams today', 'Williams'],
    ['my neighbour Patricia Okafor-Johnson drove me', 'Patricia'],
    ['Referred by Dr. Nguyen', 'Nguyen'],
    ['Mrs. Kowalski called', 'Kowalski'],
  ])('redacts %s', (text, secret) => {
    expect(bare.redact(text)).not.toContain(secret);
    expect(bare.redact(text)).toContain('[name]');
  });

  it('replaces the pair and keeps the words around it', () => {
    expect(bare.redact('Went to the clinic with John Smith on Monday.')).toBe('Went to the clinic with [name] on Monday.');
  });

  it.each([
    'You may stop the statin. May Stop dates are listed.',
    'Will call if the rash spreads; Will Call pharmacy pickup',
    'Mark the dose in the log; Mark Down the change',
    'Grace Period for the refill ends Friday',
    'Heart Rate 58 bpm; Blood Pressure 128/82',
    'Allegra Daily 180 mg; Lipitor 20 mg; Metformin 500 mg twice daily',
    'Hope Clinic follow-up; Rose Hill pharmacy',
    'Addison Disease screening negative; Graves Disease in remission',
    'Primary Care visit; Urgent Care; Annual Physical',
    'john smith in lower case is not taken for a name',
    'Smith said so', // a surname alone
    'John said so', // a first name alone
  ])('does not over-redact %s', (text) => {
    expect(bare.redact(text)).toBe(text);
  });
});

describe('Redactor: codes of code systems stay readable', () => {
  const bare = new Redactor(emptyFacts(), now);

  it.each([
    'Condition: Diabetes mellitus type 2 (SNOMED 44054006)',
    'Finding: SNOMED 271649006 (systolic blood pressure)',
    'SNOMED CT 1231000119100 asthma',
    'SCTID: 106004',
    'LOINC 85354-9 blood pressure panel',
    'RxNorm 1049221 acetaminophen 325 mg',
    'CVX 140 influenza vaccine; CVX 208',
    'ICD-10-CM E11.9; ICD-10 I10; ICD-9-CM 250.00',
    'NDC 00777310502',
    'Codes: SNOMED 195967001, LOINC 2345-7',
  ])('keeps %s', (text) => {
    expect(bare.redact(text)).toBe(text);
  });

  it('still redacts identifiers next to codes', () => {
    const out = bare.redact('SNOMED 44054006; MRN 123456789; call 608-555-0199; mail a.b@example.test; account 9876543210; SNOMED 123-45-6789');
    expect(out).toContain('SNOMED 44054006');
    for (const s of ['123456789;', '608-555-0199', 'a.b@example.test', '9876543210', '123-45-6789']) expect(out).not.toContain(s);
  });

  it('a bare long number is still an id', () => {
    expect(bare.redact('ref 271649006')).toBe('ref [id]');
  });
});
