import { describe, expect, it } from 'vitest';
import { expandClinicalTerms } from './clinical-terms.ts';

describe('expandClinicalTerms', () => {
  it('maps blood pressure to its LOINC panel and components', () => {
    expect(expandClinicalTerms('What was my blood pressure?').codes).toEqual(expect.arrayContaining(['85354-9', '8480-6', '8462-4']));
  });
  it('maps heart rate, A1c, cholesterol, weight and glucose', () => {
    expect(expandClinicalTerms('resting heart rate').codes).toContain('8867-4');
    expect(expandClinicalTerms('my latest HbA1c').codes).toContain('4548-4');
    expect(expandClinicalTerms('LDL cholesterol trend').codes).toContain('2093-3');
    expect(expandClinicalTerms('how much do I weigh').codes).toContain('29463-7');
    expect(expandClinicalTerms('fasting blood sugar').codes).toContain('2339-0');
  });
  it('adds nothing for a question without clinical terms', () => {
    expect(expandClinicalTerms('when is my next appointment')).toEqual({ codes: [], words: [] });
  });
});
