import { describe, expect, it } from 'vitest';
import { dateOnly, endOfDay, humanize, kindLabel, sourceLabel, toDateInput } from './format.ts';

describe('format', () => {
  it('humanizes identifiers', () => {
    expect(humanize('vital-signs')).toBe('Vital signs');
    expect(humanize('MedicationRequest')).toBe('Medication request');
    expect(kindLabel('fhir.AllergyIntolerance')).toBe('Allergy intolerance');
    expect(sourceLabel('apple-health')).toBe('Apple Health');
    expect(sourceLabel('user')).toBe('You');
    expect(sourceLabel('some-clinic')).toBe('Some clinic');
  });

  it('round-trips a chosen day through the expiry it sets (end of that local day)', () => {
    const iso = endOfDay('2027-03-04')!;
    expect(new Date(iso).getHours()).toBe(23);
    expect(toDateInput(iso)).toBe('2027-03-04');
    expect(endOfDay('')).toBeNull();
  });

  it('sends date filters as dates, never as a UTC-midnight instant', () => {
    expect(dateOnly('2024-05-03')).toBe('2024-05-03');
    expect(dateOnly(' 2024-05-03 ')).toBe('2024-05-03');
    // An instant from an old link is its local calendar day (the test runs in the machine's zone).
    const local = new Date(2024, 4, 3, 18, 30);
    expect(dateOnly(local.toISOString())).toBe('2024-05-03');
    expect(dateOnly('not a date')).toBe('');
    expect(dateOnly('')).toBe('');
    expect(dateOnly(null)).toBe('');
  });
});
