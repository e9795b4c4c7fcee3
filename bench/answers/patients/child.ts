import { PatientBuilder, type Json } from '../builder.ts';
import { CVX, RXNORM, SNOMED, type Code } from '../codes.ts';
import { addDays, addMonths, isoDay, type Rng } from '../rng.ts';
import { vitals } from './common.ts';

/** The CDC schedule by age in months: which vaccines each well-child visit gives. */
const SCHEDULE: [number, Code[]][] = [
  [0, [CVX.hepB]],
  [1, [CVX.hepB]],
  [2, [CVX.dtap, CVX.ipv, CVX.hib, CVX.pcv13, CVX.rotavirus]],
  [4, [CVX.dtap, CVX.ipv, CVX.hib, CVX.pcv13, CVX.rotavirus]],
  [6, [CVX.dtap, CVX.ipv, CVX.pcv13, CVX.hepB]],
  [9, []],
  [12, [CVX.mmr, CVX.varicella, CVX.hepA, CVX.hib, CVX.pcv13]],
  [15, [CVX.dtap]],
  [18, [CVX.hepA]],
  [24, []],
  [36, []],
  [48, [CVX.dtap, CVX.ipv, CVX.mmr, CVX.varicella]],
  [60, []],
  [72, []],
  [84, []],
];

/** Rough growth curve of a girl: weight (kg) and height (cm) by age in months. */
const growth = (m: number) => ({ weightKg: m === 0 ? 3.4 : 3.4 + 7.2 * Math.log1p(m / 6) + m * 0.09, heightCm: m === 0 ? 50 : 50 + 25 * Math.log1p(m / 8) + m * 0.28 });

/**
 * A child (about seven at `asOf`): the vaccine series at well-child visits, a flu shot each
 * autumn from six months, weight and height at every visit, two ear infections, a peanut allergy.
 */
export function childPatient(rng: Rng, asOf: number): Json {
  const birth = addMonths(asOf, -(7 * 12 + 4));
  const b = new PatientBuilder(rng, { given: 'Amara77', family: 'Schowalter414', gender: 'female', birthDate: isoDay(birth), city: 'Lowell' });
  for (const [months, vaccines] of SCHEDULE) {
    const d = addDays(addMonths(birth, months), months === 0 ? 1 : rng.int(0, 10));
    if (d >= asOf) break;
    const v = b.visit(d, SNOMED.wellChild, 'AMB');
    const g = growth(months);
    vitals(b, v, { systolic: rng.around(95, 5), diastolic: rng.around(58, 4), weightKg: Math.round(g.weightKg * 10) / 10, heightCm: Math.round(g.heightCm * 10) / 10, heartRate: rng.around(months < 24 ? 120 : 95, 8) });
    for (const c of vaccines) b.immunization(v, c);
    if (months === 12) b.allergy(v, SNOMED.peanutAllergy, SNOMED.anaphylaxis, 'high');
  }
  // A flu shot every October from the first autumn after six months.
  for (let y = new Date(addMonths(birth, 6)).getUTCFullYear(); ; y++) {
    const d = Date.UTC(y, 9, 8 + rng.int(0, 14));
    if (d < addMonths(birth, 6)) continue;
    if (d >= asOf) break;
    b.immunization(b.visit(d, SNOMED.checkUp, 'AMB'), CVX.flu);
  }
  for (const m of [20, 55]) {
    const v = b.visit(addMonths(birth, m), SNOMED.symptom, 'AMB', { reason: SNOMED.otitis });
    b.condition(v, SNOMED.otitis, { resolved: addDays(v.day, 14) });
    b.medication(v, RXNORM.amoxicillinSusp, 'completed', { dosage: '5 mL by mouth twice daily for 10 days' });
  }
  return b.bundle();
}
