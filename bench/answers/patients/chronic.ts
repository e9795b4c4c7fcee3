import { PatientBuilder, type Json } from '../builder.ts';
import { CVX, LOINC, RXNORM, SNOMED } from '../codes.ts';
import { addDays, addMonths, day, type Rng } from '../rng.ts';
import { carePlan } from '../care-plan.ts';
import { lipidPanel, metabolicPanel, vitals } from './common.ts';

/**
 * Type 2 diabetes and hypertension: quarterly visits for about twelve years up to `asOf`, with
 * A1c, glucose and lipids each time, blood pressure at every visit, and the medication changes
 * of a real course (metformin started, its dose raised, lisinopril added, simvastatin stopped for
 * atorvastatin), yearly flu shots, a colonoscopy, an appendectomy, and short illnesses that resolved.
 */
export function chronicPatient(rng: Rng, asOf: number): Json {
  const b = new PatientBuilder(rng, { given: 'Rosalind482', family: 'Keebler762', gender: 'female', birthDate: '1961-03-14', city: 'Springfield' });
  const start = addMonths(asOf, -12 * 12);
  let a1c = 6.1;
  let weight = 88;
  let n = 0;
  let diabetes = '';
  let hypertension = '';
  for (let d = addDays(start, 3); d < addDays(asOf, -20); d = addDays(addMonths(d, 3), rng.int(-6, 6))) {
    const annual = n % 4 === 0;
    const v = b.visit(d, annual ? SNOMED.checkUp : SNOMED.followUp, 'AMB');
    const year = new Date(d).getUTCFullYear();
    // A1c rises until metformin, then falls; weight drifts up slowly.
    a1c = Math.max(5.8, Math.min(9.4, a1c + (n < 8 ? 0.12 : n < 20 ? -0.04 : 0.02) + rng.around(0, 0.25, 1)));
    a1c = Math.round(a1c * 10) / 10;
    weight = Math.round((weight + rng.around(0.25, 0.8, 1)) * 10) / 10;
    vitals(b, v, { systolic: rng.around(n < 12 ? 142 : 128, 8), diastolic: rng.around(n < 12 ? 90 : 80, 5), weightKg: weight, heightCm: 164.2, heartRate: rng.around(76, 8) });
    b.report(v, LOINC.a1c, [b.observation(v, LOINC.a1c, a1c, '%', 'laboratory', { range: [4, 5.6] })]);
    metabolicPanel(b, v, rng, 100 + (a1c - 5.5) * 25, 0.95);
    if (annual) lipidPanel(b, v, rng, n < 16 ? 150 : 105);
    if (n === 4) diabetes = b.condition(v, SNOMED.diabetes2);
    if (n === 4) b.medication(v, RXNORM.metformin500, 'stopped', { reason: diabetes, dosage: 'Take 1 tablet by mouth once daily with dinner' });
    if (n === 4) b.condition(v, SNOMED.obesity);
    if (n === 4) carePlan(b, rng, v, SNOMED.diabetesPlan, [SNOMED.diabeticDiet, SNOMED.exercise], diabetes, 'Hemoglobin A1c total in Blood < 7.0');
    if (n === 8) b.condition(v, SNOMED.hyperlipidemia);
    if (n === 8) b.medication(v, RXNORM.simvastatin, 'stopped', { dosage: 'Take 1 tablet by mouth at bedtime' });
    if (n === 12) b.medication(v, RXNORM.metformin1000, 'active', { reason: diabetes, dosage: 'Take 1 tablet by mouth twice daily with meals' });
    if (n === 12) hypertension = b.condition(v, SNOMED.hypertension);
    if (n === 12) b.medication(v, RXNORM.lisinopril, 'active', { reason: hypertension, dosage: 'Take 1 tablet by mouth once daily' });
    if (n === 28) b.medication(v, RXNORM.atorvastatin, 'active', { dosage: 'Take 1 tablet by mouth once daily' });
    if (annual) b.procedure(v, SNOMED.medReconciliation);
    if (n === 2) b.allergy(v, SNOMED.peanutAllergy, SNOMED.hives, 'high');
    if (n === 6) b.allergy(v, SNOMED.latexAllergy, SNOMED.rash);
    if (annual && year >= 2016) b.immunization(v, CVX.flu);
    if (n === 10) b.immunization(v, CVX.td);
    n++;
  }
  // Short illnesses between the regular visits.
  const sick1 = b.visit(addMonths(asOf, -57), SNOMED.symptom, 'AMB', { reason: SNOMED.bronchitis });
  b.condition(sick1, SNOMED.bronchitis, { resolved: addDays(sick1.day, 16) });
  const sick2 = b.visit(addMonths(asOf, -26), SNOMED.symptom, 'AMB', { reason: SNOMED.sinusitis });
  b.condition(sick2, SNOMED.sinusitis, { resolved: addDays(sick2.day, 12) });
  b.medication(sick2, RXNORM.amoxicillin, 'completed', { dosage: 'Take 1 capsule by mouth three times daily for 10 days' });
  const colo = b.visit(addMonths(asOf, -70), SNOMED.problem, 'AMB');
  b.procedure(colo, SNOMED.colonoscopy);
  // Appendicitis years ago: the emergency room, then surgery the same day.
  const appendix = b.visit(addMonths(asOf, -118), SNOMED.emergency, 'EMER', { hour: 9, reason: SNOMED.appendicitis });
  const appendicitis = b.condition(appendix, SNOMED.appendicitis, { resolved: addDays(appendix.day, 20) });
  b.procedure(appendix, SNOMED.appendectomy, { reason: appendicitis });
  const covid = b.visit(Math.max(day('2021-04-12'), addMonths(asOf, -60)), SNOMED.problem, 'AMB');
  b.immunization(covid, CVX.covid);
  return b.bundle();
}
