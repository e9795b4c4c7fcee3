import { CVX, LOINC, SNOMED } from '../codes.ts';
import { text } from '../facts.ts';
import { dayOf } from '../fhir-scan.ts';
import { dayFact, nameFact, readingFacts, type QuestionSet } from './types.ts';

/** A parent asking about their daughter's chart (caregivers speak of "her", "my daughter"). */
export const childQuestions: QuestionSet = (s, today) => {
  const shots = s.immunizations();
  const distinct = [...new Map(shots.map((i) => [i.vaccineCode.coding[0].code, i])).values()];
  const heights = s.observations(LOINC.height.code);
  const yearAgo = `${Number(today.slice(0, 4)) - 1}${today.slice(4)}`;
  // "Gone up over the past year" compares with the reading before the year too.
  const weights = [...s.since(LOINC.weight.code, yearAgo), ...s.observations(LOINC.weight.code).filter((o) => dayOf(o) < yearAgo).slice(0, 1)];
  const growth = [...s.observations(LOINC.weight.code), ...heights, ...s.observations(LOINC.bmi.code)];
  const wellChild = s.encounters((e) => s.encounterType(e) === SNOMED.wellChild.code);
  const otitis = s.conditions().filter((c) => c.code.coding[0].code === SNOMED.otitis.code);
  const flu = s.immunizations(CVX.flu.code);
  const series = (cvx: string) => s.immunizations(cvx);
  return [
    { id: 'vaccines', cls: 'list', text: 'What vaccines has my daughter had so far?', required: shots, facts: distinct.map(nameFact) },
    { id: 'mmr', cls: 'list', text: 'is she up to date on her MMR? what dates', required: series(CVX.mmr.code), also: shots, facts: series(CVX.mmr.code).map(dayFact) },
    { id: 'dtap', cls: 'list', text: 'how many DTaP shots has she gotten', required: series(CVX.dtap.code), also: shots, facts: series(CVX.dtap.code).map(dayFact) },
    { id: 'polio', cls: 'synonym', text: 'When did she get her polio vaccines?', required: series(CVX.ipv.code), also: shots, facts: series(CVX.ipv.code).map(dayFact) },
    { id: 'chickenpox', cls: 'synonym', text: 'did my kid get the chickenpox vaccine', required: series(CVX.varicella.code), also: shots, facts: series(CVX.varicella.code).map(dayFact) },
    { id: 'flu', cls: 'synonym', text: "when was her last flu jab?", required: [flu[0]], also: flu, facts: [dayFact(flu[0])] },
    { id: 'height', cls: 'latest', text: 'how tall is she now?', required: [heights[0]], also: growth, facts: readingFacts(heights[0]) },
    { id: 'weight', cls: 'latest', text: 'how much does she weigh', required: [s.latest(LOINC.weight.code)], also: growth, facts: readingFacts(s.latest(LOINC.weight.code)) },
    { id: 'weight-trend', cls: 'trend', text: 'Has her weight gone up over the past year?', required: weights, also: growth, facts: weights.flatMap(readingFacts) },
    { id: 'growth', cls: 'trend', text: 'show me her growth: height at every well-child visit', required: heights, also: [...growth, ...wellChild], facts: heights.flatMap(readingFacts) },
    { id: 'ear', cls: 'synonym', text: 'did she ever have an ear infection?', required: otitis, also: s.conditions(), facts: [...otitis.map(dayFact), text('otitis')] },
    { id: 'ear-medicine', cls: 'follow-up', follows: 'ear', text: 'what was she given for it?', required: s.medications(), also: otitis, facts: s.medications().map(nameFact) },
    { id: 'checkup', cls: 'latest', text: 'When was her last well child checkup?', required: [wellChild[0]], also: s.encounters(), facts: [dayFact(wellChild[0])] },
    { id: 'allergies', cls: 'list', text: 'is my daughter allergic to anything', required: s.of('AllergyIntolerance'), facts: s.of('AllergyIntolerance').map(nameFact) },
  ];
};
