import type { Json } from '../builder.ts';
import { LOINC, RXNORM, SNOMED } from '../codes.ts';
import { num, text } from '../facts.ts';
import { dayFact, nameFact, readingFacts, type QuestionSet } from './types.ts';

const rx = (code: string) => (m: Json) => m.medicationCodeableConcept.coding[0].code === code;

/** An elderly man on warfarin (or his daughter, who helps him). */
export const elderlyQuestions: QuestionSet = (s, today) => {
  const inr = s.observations(LOINC.inr.code);
  const yearAgo = `${Number(today.slice(0, 4)) - 1}${today.slice(4)}`;
  const inrYear = s.since(LOINC.inr.code, yearAgo);
  const warfarin = s.medications().filter(rx(RXNORM.warfarin.code));
  const furosemide = s.medications().filter(rx(RXNORM.furosemide.code));
  const echo = s.procedures(SNOMED.echo.code);
  const er = s.encounters((e) => e.class.code === 'EMER');
  const stays = s.encounters((e) => e.class.code === 'IMP');
  const atEr = (r: Json) => r.encounter?.reference === `urn:uuid:${er[0].id}`;
  const pneumonia = s.conditions().filter((c) => c.code.coding[0].code === SNOMED.pneumonia.code);
  const resolved = s.conditions('resolved');
  const active = s.conditions('active');
  const meds = s.medications('active');
  const tsh = s.observations(LOINC.tsh.code);
  const creat = s.observations(LOINC.creatinine.code);
  const bp = s.observations(LOINC.bpPanel.code);
  const hr = s.observations(LOINC.heartRate.code);
  const stayBill = s.billingOf(stays[0]);
  const clinical = ['Condition', 'MedicationRequest', 'AllergyIntolerance', 'Immunization', 'Observation', 'Procedure', 'Encounter', 'DiagnosticReport', 'CarePlan', 'Goal'].flatMap((t) => s.of(t));
  return [
    { id: 'last-inr', cls: 'latest', text: "What's my latest INR?", required: [inr[0]], also: [...inr, ...s.reportsOf(inr)], facts: readingFacts(inr[0]) },
    { id: 'inr-year', cls: 'trend', text: 'How has my INR been over the last year?', required: inrYear, also: [...inr, ...s.reportsOf(inr)], facts: inrYear.flatMap(readingFacts) },
    { id: 'blood-thinner', cls: 'synonym', text: 'Am I on a blood thinner?', required: warfarin, also: s.medications(), facts: [text('warfarin')] },
    { id: 'water-pill', cls: 'synonym', text: "what's the name of the water pill I take", required: furosemide, also: s.medications(), facts: [text('furosemide')] },
    { id: 'echo', cls: 'synonym', text: 'Have I had an echo? When?', required: echo, facts: echo.map(dayFact) },
    { id: 'er', cls: 'synonym', text: 'When was I last in the ER and what for?', required: [er[0], ...s.conditions().filter(atEr)], also: [...s.procedures().filter(atEr), ...er], facts: [dayFact(er[0]), text('fracture')] },
    { id: 'hospital', cls: 'latest', text: 'when was I in the hospital, and why?', required: [stays[0], ...pneumonia], facts: [dayFact(stays[0]), text('pneumonia')] },
    { id: 'hospital-cost', cls: 'billing', follows: 'hospital', text: 'how much was the bill for that stay?', required: [stayBill.claim], also: [stayBill.eob, stays[0], ...s.of('Claim'), ...s.of('ExplanationOfBenefit')], facts: [num(stayBill.claim.total.value, 'claim total')], aboutCost: true },
    { id: 'resolved', cls: 'status', text: 'Which of my problems have been resolved?', required: resolved, also: s.conditions(), facts: [...resolved.map(nameFact), text('resolved')] },
    { id: 'current-meds', cls: 'list', text: 'list my current medications', required: meds, also: s.medications(), facts: meds.map(nameFact) },
    { id: 'thyroid', cls: 'synonym', text: "how's my thyroid?", required: [tsh[0]], also: tsh, facts: readingFacts(tsh[0]) },
    { id: 'kidney-trend', cls: 'trend', text: 'has my kidney function changed over the years?', required: creat, also: s.reportsOf(creat), facts: creat.flatMap(readingFacts) },
    {
      id: 'cardiologist',
      cls: 'overview',
      text: 'I am seeing a new cardiologist next week. Can you put together a summary of my health?',
      required: [...active, ...meds, ...s.of('AllergyIntolerance')],
      also: clinical,
      facts: [...active, ...meds, ...s.of('AllergyIntolerance')].map(nameFact),
    },
    { id: 'bp-last-visit', cls: 'latest', text: 'what was my blood pressure at my last appointment', required: [bp[0]], also: bp, facts: readingFacts(bp[0]) },
    { id: 'heart-rate', cls: 'follow-up', follows: 'bp-last-visit', text: 'and my heart rate?', required: [hr[0]], also: hr, facts: readingFacts(hr[0]) },
    { id: 'dad-inr-range', cls: 'latest', text: "is my dad's INR in range?", required: [inr[0]], also: [...inr, ...s.reportsOf(inr)], facts: [...readingFacts(inr[0]), num(2, 'range low'), num(3, 'range high')] },
    { id: 'er-count', cls: 'list', text: 'how many times have I been to the emergency room?', required: er, also: s.encounters(), facts: er.map(dayFact) },
    { id: 'allergies', cls: 'list', text: 'what am I allergic to', required: s.of('AllergyIntolerance'), facts: s.of('AllergyIntolerance').map(nameFact) },
    { id: 'afib', cls: 'status', text: 'is my afib still an active problem?', required: s.conditions().filter((c) => c.code.coding[0].code === SNOMED.afib.code), also: s.conditions(), facts: [text('fibrillation'), text('active')] },
  ];
};
