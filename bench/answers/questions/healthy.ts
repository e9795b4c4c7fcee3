import { CVX, LOINC, SNOMED } from '../codes.ts';
import { text } from '../facts.ts';
import { dayFact, nameFact, readingFacts, type QuestionSet } from './types.ts';

const none = (kind: string) => ({ kind: 'absence' as const, value: kind, what: `no ${kind} records shared` });

/**
 * A healthy man in his thirties: the right answers are often "none on file", so the context must
 * say that no records of the asked kind are shared.
 */
export const healthyQuestions: QuestionSet = (s) => {
  const bp = s.observations(LOINC.bpPanel.code);
  const checkups = s.encounters((e) => [SNOMED.checkUp.code, SNOMED.generalExam.code].includes(s.encounterType(e)!));
  const clinical = ['Condition', 'Immunization', 'Observation', 'Encounter'].flatMap((t) => s.of(t));
  return [
    { id: 'allergies', cls: 'absence', text: 'Do I have any allergies?', required: [], facts: [none('allergy')] },
    { id: 'penicillin', cls: 'absence', text: 'am I allergic to penicillin?', required: [], facts: [none('allergy')] },
    { id: 'meds', cls: 'absence', text: 'What medications am I on?', required: [], facts: [none('medication')] },
    { id: 'surgeries', cls: 'absence', text: 'Have I ever had surgery?', required: [], facts: [none('procedure')] },
    {
      id: 'summary',
      cls: 'overview',
      text: 'Give me an overview of my health records',
      required: [...s.conditions(), ...s.immunizations(), bp[0]],
      also: clinical,
      facts: [...s.conditions().map(nameFact), ...readingFacts(bp[0]), text('influenza')],
    },
    { id: 'last-checkup', cls: 'latest', text: 'When was my last check-up?', required: [checkups[0]], also: s.encounters(), facts: [dayFact(checkups[0])] },
    { id: 'bp', cls: 'latest', text: "what's my blood pressure", required: [bp[0]], also: bp, facts: readingFacts(bp[0]) },
    {
      id: 'current-problems',
      cls: 'status',
      text: 'do I have any health problems at the moment?',
      required: s.conditions(),
      facts: [...s.conditions().map(nameFact), text('resolved')],
    },
    { id: 'vaccines', cls: 'list', text: 'which vaccinations have I had?', required: s.immunizations(), facts: [...s.immunizations().map(nameFact), ...s.immunizations().map(dayFact)] },
    { id: 'tetanus', cls: 'synonym', text: 'when was my last tetanus shot', required: s.immunizations(CVX.td.code), facts: s.immunizations(CVX.td.code).map(dayFact) },
  ];
};

/** Input no question should fail on: a sensible context or "nothing relevant", never an error. */
export const badInputQuestions: QuestionSet = () => [
  { id: 'bad-empty', cls: 'bad-input', text: '', required: [], facts: [] },
  { id: 'bad-blank', cls: 'bad-input', text: '   ?  ', required: [], facts: [] },
  { id: 'bad-long', cls: 'bad-input', text: 'I have been feeling tired and I wonder whether my blood sugar or my blood pressure could explain it. '.repeat(100).slice(0, 10_000), required: [], facts: [] },
  { id: 'bad-nonsense', cls: 'bad-input', text: 'asdf qwerty zxcv blorp', required: [], facts: [] },
  { id: 'bad-spanish', cls: 'bad-input', text: '¿Cuáles son mis medicamentos actuales?', required: [], facts: [] },
  { id: 'bad-feb30', cls: 'bad-input', text: 'What was my blood pressure on February 30?', required: [], facts: [] },
  { id: 'bad-orphan-followup', cls: 'bad-input', text: 'and the one before that?', required: [], facts: [] },
  { id: 'bad-german', cls: 'bad-input', text: 'Wie hoch war mein letzter Blutzucker?', required: [], facts: [] },
];
