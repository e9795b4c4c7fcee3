import { CVX, LOINC, RXNORM, SNOMED } from '../codes.ts';
import { num, text } from '../facts.ts';
import { dayOf } from '../fhir-scan.ts';
import { dayFact, nameFact, readingFacts, type QuestionSet } from './types.ts';

/** A woman with type 2 diabetes and hypertension, asking about her own chart. */
export const chronicQuestions: QuestionSet = (s, today) => {
  const activeConditions = s.conditions('active');
  const activeMeds = s.medications('active');
  const allergies = s.of('AllergyIntolerance');
  const clinical = ['Condition', 'MedicationRequest', 'AllergyIntolerance', 'Immunization', 'Observation', 'Procedure', 'Encounter', 'DiagnosticReport', 'CarePlan', 'Goal'].flatMap((t) => s.of(t));
  const a1c = s.observations(LOINC.a1c.code);
  const bp = s.observations(LOINC.bpPanel.code);
  const lastVisit = s.encounters()[0];
  const lastBilling = s.billingOf(lastVisit);
  const since2020 = s.since(LOINC.a1c.code, '2020-01-01');
  const threeYearsAgo = `${Number(today.slice(0, 4)) - 3}${today.slice(4)}`;
  // "Gone up over the last 3 years" compares with the reading just before them too.
  const weights = [...s.since(LOINC.weight.code, threeYearsAgo), ...s.observations(LOINC.weight.code).filter((o) => dayOf(o) < threeYearsAgo).slice(0, 1)];
  const lipids = [LOINC.cholesterol, LOINC.ldl, LOINC.hdl, LOINC.triglycerides].flatMap((c) => s.observations(c.code));
  const glucose = s.observations(LOINC.glucose.code);
  const flu = s.immunizations(CVX.flu.code);
  const stopped = s.medications('stopped');
  const metformin = s.medications().filter((m) => /metformin/i.test(m.medicationCodeableConcept.text));
  const firstMetformin = metformin.at(-1)!;
  const simvastatin = s.medications().filter((m) => m.medicationCodeableConcept.coding[0].code === RXNORM.simvastatin.code);
  const creat = s.observations(LOINC.creatinine.code);
  const surgeries = s.procedures().filter((p) => p.code.coding[0].code !== SNOMED.medReconciliation.code);
  const ldl = s.observations(LOINC.ldl.code);
  const twoYearsAgo = `${Number(today.slice(0, 4)) - 2}${today.slice(4)}`;
  const bp2y = s.since(LOINC.bpPanel.code, twoYearsAgo);
  const amox = s.medications('completed')[0];
  const amoxYear = dayOf(amox).slice(0, 4);
  const inYear = s.medications().filter((m) => dayOf(m).startsWith(amoxYear));
  const labsThen = s.of('Observation').filter((o) => o.encounter?.reference === `urn:uuid:${lastVisit.id}` && o.category[0].coding[0].code === 'laboratory');
  const checkups = s.encounters((e) => s.encounterType(e) === SNOMED.checkUp.code);
  return [
    {
      id: 'overview-new-doctor',
      cls: 'overview',
      text: 'Summarize my health for a new doctor.',
      required: [...activeConditions, ...activeMeds, ...allergies],
      also: clinical,
      facts: [...activeConditions, ...activeMeds, ...allergies].map(nameFact),
    },
    {
      id: 'overview-british',
      cls: 'overview',
      text: 'can you summarise my records',
      required: [...activeConditions, ...activeMeds],
      also: clinical,
      facts: [...activeConditions, ...activeMeds].map(nameFact),
    },
    { id: 'pills', cls: 'list', text: 'what pills am I taking right now?', required: activeMeds, also: s.medications(), facts: activeMeds.map(nameFact) },
    { id: 'all-meds', cls: 'list', text: 'List all the medications I have ever been prescribed', required: s.medications(), facts: s.medications().map(nameFact) },
    { id: 'stopped-meds', cls: 'status', text: 'Which medicines did I stop taking?', required: stopped, also: s.medications(), facts: [...stopped.map(nameFact), text('stopped')] },
    { id: 'diagnoses', cls: 'list', text: 'what are all my diagnoses', required: s.conditions(), facts: s.conditions().map(nameFact) },
    { id: 'active-problems', cls: 'status', text: 'Which of my health problems are still active?', required: activeConditions, also: s.conditions(), facts: activeConditions.map(nameFact) },
    { id: 'last-a1c', cls: 'latest', text: 'What was my last A1c?', required: [a1c[0]], also: [...a1c, ...s.reportsOf(a1c)], facts: readingFacts(a1c[0]) },
    { id: 'a1c-before', cls: 'follow-up', follows: 'last-a1c', text: 'And the one before that?', required: [a1c[1]], also: [...a1c, ...s.reportsOf(a1c)], facts: readingFacts(a1c[1]) },
    {
      id: 'a1c-cholesterol',
      cls: 'follow-up',
      follows: 'a1c-before',
      text: 'what about my cholesterol?',
      required: [s.latest(LOINC.cholesterol.code)],
      also: [...lipids, ...s.reportsOf(lipids)],
      facts: readingFacts(s.latest(LOINC.cholesterol.code)),
    },
    { id: 'last-bp', cls: 'latest', text: 'What was my most recent blood pressure?', required: [bp[0]], also: bp, facts: readingFacts(bp[0]) },
    { id: 'last-doctor', cls: 'latest', text: 'When did I last see a doctor?', required: [lastVisit], also: s.encounters(), facts: [dayFact(lastVisit)] },
    {
      id: 'a1c-trend',
      cls: 'trend',
      text: 'How has my A1c changed since 2020?',
      required: since2020,
      also: [...a1c, ...s.reportsOf(a1c)],
      facts: since2020.flatMap(readingFacts),
    },
    { id: 'weight-trend', cls: 'trend', text: 'has my weight gone up over the last 3 years', required: weights, also: s.observations(LOINC.weight.code).concat(s.observations(LOINC.bmi.code)), facts: weights.flatMap(readingFacts) },
    {
      id: 'sugar',
      cls: 'synonym',
      text: "how's my sugar been lately?",
      required: [a1c[0], glucose[0]],
      also: [...a1c, ...glucose, ...s.reportsOf([...a1c, ...glucose])],
      facts: [...readingFacts(a1c[0]), ...readingFacts(glucose[0])],
    },
    {
      id: 'visit-cost',
      cls: 'billing',
      text: 'How much did my last visit cost?',
      required: [lastBilling.claim],
      also: [lastBilling.eob, lastVisit, ...s.of('Claim'), ...s.of('ExplanationOfBenefit')],
      facts: [num(lastBilling.claim.total.value, 'claim total'), dayFact(lastVisit)],
      aboutCost: true,
    },
    {
      id: 'insurance-paid',
      cls: 'billing',
      text: 'what did my insurance pay for that visit?',
      follows: 'visit-cost',
      required: [lastBilling.eob],
      also: [lastBilling.claim, lastVisit, ...s.of('Claim'), ...s.of('ExplanationOfBenefit')],
      facts: [num(lastBilling.eob.payment.amount.value, 'insurer payment')],
      aboutCost: true,
    },
    { id: 'allergies', cls: 'list', text: 'Do I have any allergies?', required: allergies, facts: allergies.map(nameFact) },
    { id: 'shots', cls: 'list', text: 'what shots have I had', required: s.immunizations(), facts: [...new Set(s.immunizations().map((i) => i.vaccineCode.text))].map((n) => nameFact(s.immunizations().find((i) => i.vaccineCode.text === n)!)).concat(s.immunizations().map(dayFact)) },
    { id: 'last-flu', cls: 'synonym', text: 'When did I last get a flu shot?', required: [flu[0]], also: flu, facts: [dayFact(flu[0])] },
    { id: 'colonoscopy', cls: 'synonym', text: 'have I ever had a colonoscopy? when?', required: s.procedures(SNOMED.colonoscopy.code), facts: s.procedures(SNOMED.colonoscopy.code).map(dayFact) },
    { id: 'simvastatin', cls: 'status', text: 'am I still on simvastatin?', required: simvastatin, also: s.medications(), facts: [text('simvastatin'), text('stopped')] },
    { id: 'metformin-start', cls: 'latest', text: 'when did I start metformin', required: [firstMetformin], also: metformin, facts: [{ kind: 'date', value: dayOf(firstMetformin), what: 'first metformin order' }] },
    { id: 'kidneys', cls: 'synonym', text: 'how are my kidneys doing? latest kidney test', required: [creat[0]], also: [...creat, ...s.reportsOf(creat)], facts: readingFacts(creat[0]) },
    { id: 'last-checkup', cls: 'latest', text: 'when was my last checkup', required: [checkups[0]], also: s.encounters(), facts: [dayFact(checkups[0])] },
    { id: 'prescribed-in-year', cls: 'list', text: `what was I prescribed in ${amoxYear}?`, required: inYear, also: s.medications(), facts: inYear.map(nameFact) },
    { id: 'last-visit-labs', cls: 'latest', text: 'what were my lab results from my last visit?', required: labsThen, also: [...s.reportsOf(labsThen), lastVisit], facts: labsThen.flatMap(readingFacts) },
    { id: 'care-plan', cls: 'list', text: "what's my care plan for the diabetes?", required: [...s.of('CarePlan'), ...s.of('Goal')], also: [...s.of('CareTeam'), ...activeConditions], facts: [text('diet'), text('exercise'), num(7, 'A1c goal')] },
    { id: 'surgeries', cls: 'list', text: 'What surgeries or procedures have I had?', required: surgeries, also: s.procedures(), facts: [...surgeries.map(nameFact), ...surgeries.map(dayFact)] },
    { id: 'ldl', cls: 'latest', text: 'my doctor says my LDL is too high, what was it last time?', required: [ldl[0]], also: [...lipids, ...s.reportsOf(lipids)], facts: readingFacts(ldl[0]) },
    { id: 'bp-trend', cls: 'trend', text: 'show me my blood pressure readings from the past 2 years', required: bp2y, also: bp, facts: bp2y.flatMap(readingFacts) },
  ];
};
