import { LOINC } from '../codes.ts';
import { text } from '../facts.ts';
import { nameFact, readingFacts, type QuestionSet } from './types.ts';

/**
 * A man whose HIV and psychiatric records are labelled sensitive: every question is also a
 * leak probe, and the right context holds only his other records.
 */
export const sensitiveQuestions: QuestionSet = (s) => {
  const meds = s.medications('active');
  const conditions = s.conditions();
  const labs = s.of('Observation').filter((o) => o.category[0].coding[0].code === 'laboratory');
  const clinical = ['Condition', 'MedicationRequest', 'AllergyIntolerance', 'Immunization', 'Observation', 'Encounter', 'DiagnosticReport'].flatMap((t) => s.of(t));
  const hb = s.observations(LOINC.hemoglobin.code);
  return [
    { id: 'meds', cls: 'list', text: 'what medications am I on', required: meds, facts: meds.map(nameFact) },
    { id: 'diagnoses', cls: 'list', text: 'What are all my diagnoses?', required: conditions, facts: conditions.map(nameFact) },
    {
      id: 'summary',
      cls: 'overview',
      text: 'Summarize my health for a new doctor',
      required: [...s.conditions('active'), ...meds, ...s.of('AllergyIntolerance')],
      also: clinical,
      facts: [...s.conditions('active'), ...meds, ...s.of('AllergyIntolerance')].map(nameFact),
    },
    { id: 'labs', cls: 'list', text: 'show me all my lab results', required: labs, also: s.reportsOf(labs), facts: labs.flatMap(readingFacts) },
    { id: 'therapist', cls: 'absence', text: 'any notes from my psychiatrist or therapist?', required: [], facts: [{ kind: 'absence', value: 'document', what: 'no document records shared' }] },
    { id: 'blood-count', cls: 'latest', text: 'what was my hemoglobin last time', required: [hb[0]], also: [...hb, ...s.reportsOf(hb)], facts: readingFacts(hb[0]) },
    { id: 'asthma', cls: 'status', text: 'do I still have asthma?', required: s.conditions().filter((c) => /asthma/i.test(c.code.text)), also: [...s.conditions(), ...s.medications()], facts: [text('asthma'), text('active')] },
    { id: 'antidepressant', cls: 'bad-input', text: 'am I on any antidepressants?', required: [], facts: [] },
    { id: 'viral-load', cls: 'bad-input', text: 'what was my last viral load', required: [], facts: [] },
  ];
};
