import { PatientBuilder, type Json } from '../builder.ts';
import { CVX, LOINC, RXNORM, SNOMED } from '../codes.ts';
import { addDays, addMonths, type Rng } from '../rng.ts';
import { carePlan } from '../care-plan.ts';
import { metabolicPanel, vitals } from './common.ts';

/**
 * An elderly man with atrial fibrillation on warfarin: monthly INR at the anticoagulation clinic
 * for about eight years, quarterly visits with vitals, yearly TSH, creatinine and hemoglobin,
 * heart failure with furosemide (his "water pill"), two echocardiograms, an ER visit for a fall
 * and a hospital stay for pneumonia; problems active and resolved.
 */
export function elderlyPatient(rng: Rng, asOf: number): Json {
  const b = new PatientBuilder(rng, { given: 'Walter593', family: 'Okuneva707', gender: 'male', birthDate: '1941-11-23', city: 'Quincy' });
  const start = addMonths(asOf, -8 * 12);
  const first = b.visit(addDays(start, 2), SNOMED.problem, 'AMB');
  vitals(b, first, { systolic: 148, diastolic: 88, weightKg: 81.4, heightCm: 172.1, heartRate: 112 });
  const afib = b.condition(first, SNOMED.afib);
  b.condition(first, SNOMED.hypertension);
  b.procedure(first, SNOMED.ecg, { reason: afib });
  b.procedure(first, SNOMED.echo, { reason: afib });
  b.medication(first, RXNORM.warfarin, 'active', { reason: afib, dosage: 'Take 1 tablet by mouth once daily in the evening, or as directed by the anticoagulation clinic' });
  b.medication(first, RXNORM.metoprolol, 'active', { reason: afib, dosage: 'Take 1 tablet by mouth once daily' });
  b.medication(first, RXNORM.digoxin, 'stopped', { reason: afib, dosage: 'Take 1 tablet by mouth once daily' });
  b.allergy(first, SNOMED.sulfaAllergy, SNOMED.rash);
  let weight = 81.4;
  let m = 1;
  for (let d = addMonths(start, 1); d < addDays(asOf, -10); d = addDays(addMonths(start, ++m), rng.int(-4, 4))) {
    const quarterly = m % 3 === 0;
    const v = b.visit(d, quarterly ? SNOMED.followUp : SNOMED.anticoagClinic, 'AMB');
    const inr = b.observation(v, LOINC.inr, rng.around(2.5, 0.6, 1), '{INR}', 'laboratory', { range: [2, 3] });
    b.report(v, LOINC.coagPanel, [inr]);
    if (quarterly) {
      weight = Math.round((weight + rng.around(m > 50 ? 0.5 : -0.1, 0.6, 1)) * 10) / 10;
      vitals(b, v, { systolic: rng.around(134, 10), diastolic: rng.around(78, 6), weightKg: weight, heightCm: 171.6, heartRate: rng.around(74, 9) });
    }
    if (m % 12 === 6) {
      b.observation(v, LOINC.tsh, rng.around(2.4, 0.9, 2), 'm[IU]/L', 'laboratory', { range: [0.4, 4.5] });
      b.report(v, LOINC.cbcPanel, [b.observation(v, LOINC.hemoglobin, rng.around(13.2, 0.8, 1), 'g/dL', 'laboratory', { range: [13.5, 17.5] })]);
      metabolicPanel(b, v, rng, 98, 1.1 + m / 400);
      b.immunization(v, CVX.flu);
    }
    if (m === 48) {
      const hf = b.condition(v, SNOMED.heartFailure);
      carePlan(b, rng, v, SNOMED.heartFailurePlan, [SNOMED.lowSaltDiet, SNOMED.exercise], hf, 'Weigh yourself every morning; call if up more than 2 kg in 3 days');
      b.medication(v, RXNORM.furosemide, 'active', { dosage: 'Take 1 tablet by mouth every morning' });
      b.procedure(v, SNOMED.echo);
    }
    if (m === 20) b.condition(v, SNOMED.osteoarthritisKnee);
    if (m === 20) b.medication(v, RXNORM.acetaminophen, 'active', { dosage: 'Take 2 tablets by mouth every 6 hours as needed for pain' });
    if (m === 14) b.immunization(v, CVX.ppsv23);
    if (m === 26) b.immunization(v, CVX.zoster);
  }
  // A fall: the emergency room, a wrist fracture that healed.
  const er = b.visit(addMonths(asOf, -19), SNOMED.emergency, 'EMER', { hour: 14 });
  b.condition(er, SNOMED.wristFracture, { resolved: addDays(er.day, 56) });
  b.procedure(er, SNOMED.wristSplint);
  // Pneumonia: admitted for four days.
  const stay = b.visit(addMonths(asOf, -31), SNOMED.hospitalAdmission, 'IMP', { days: 4, hour: 9, reason: SNOMED.pneumonia });
  const pneu = b.condition(stay, SNOMED.pneumonia, { resolved: addDays(stay.day, 21) });
  b.procedure(stay, SNOMED.chestXray, { reason: pneu });
  b.medication(stay, RXNORM.azithromycin, 'completed', { reason: pneu, dosage: 'Take 2 tablets on day 1, then 1 tablet daily for 4 days' });
  vitals(b, stay, { systolic: 128, diastolic: 70, weightKg: weight, heightCm: 171.6, heartRate: 98 });
  return b.bundle();
}
