import { PatientBuilder, type Json } from '../builder.ts';
import { CVX, LOINC, RXNORM, SNOMED } from '../codes.ts';
import { addDays, addMonths, type Rng } from '../rng.ts';
import { metabolicPanel, vitals } from './common.ts';

/**
 * Text of the secret records that must never reach a model: any of these strings (or a secret
 * record's id) in a prompt, an embedding request or a context is a leak. None of the bench's
 * questions contains one, so a match can only come from a record.
 */
export const SECRET_MARKERS = [
  SNOMED.hiv.display,
  LOINC.hivViralLoad.display,
  LOINC.cd4.display,
  RXNORM.art.display,
  SNOMED.depression.display,
  RXNORM.sertraline.display,
  'intrusive thoughts about the assault',
];

/** The first (untreated) HIV viral load: a number no other record carries, so it cannot appear by chance. */
export const SECRET_VIRAL_LOAD = 48213;

/**
 * An adult with asthma (shared as usual) whose HIV care and psychiatric care are labelled in
 * `meta.security` (v3 ActCode HIV and PSY, confidentiality V): those records import as `secret`
 * and must appear in no prompt even though the sharing rule shares the whole source.
 */
export function sensitivePatient(rng: Rng, asOf: number): Json {
  const b = new PatientBuilder(rng, { given: 'Jordan58', family: 'Wisozk929', gender: 'male', birthDate: '1984-05-19', city: 'Cambridge' });
  const first = b.visit(addMonths(asOf, -60), SNOMED.generalExam, 'AMB');
  vitals(b, first, { systolic: 122, diastolic: 79, weightKg: 72.5, heightCm: 177.8, heartRate: 70 });
  const asthma = b.condition(first, SNOMED.asthma);
  b.medication(first, RXNORM.albuterol, 'active', { reason: asthma, dosage: 'Inhale 2 puffs every 4 hours as needed for wheezing' });
  b.medication(first, RXNORM.fluticasone, 'active', { reason: asthma, dosage: 'Inhale 2 puffs twice daily' });
  b.allergy(first, SNOMED.penicillinAllergy, SNOMED.hives);
  metabolicPanel(b, first, rng, 92);
  for (let i = 1; i <= 4; i++) {
    const v = b.visit(addDays(addMonths(asOf, -60 + i * 12), rng.int(0, 20)), SNOMED.checkUp, 'AMB');
    vitals(b, v, { systolic: rng.around(120, 6), diastolic: rng.around(78, 4), weightKg: rng.around(73, 1.5, 1), heightCm: 177.8, heartRate: rng.around(70, 5) });
    b.report(v, LOINC.cbcPanel, [b.observation(v, LOINC.hemoglobin, rng.around(14.6, 0.6, 1), 'g/dL', 'laboratory', { range: [13.5, 17.5] })]);
    b.immunization(v, CVX.flu);
  }
  const sore = b.visit(addMonths(asOf, -30), SNOMED.symptom, 'AMB', { reason: SNOMED.pharyngitis });
  b.condition(sore, SNOMED.pharyngitis, { resolved: addDays(sore.day, 9) });
  // HIV care at its own visits, every record of them labelled HIV (claims too, as a careful
  // data holder would: a claim names its diagnosis).
  const hivStart = addMonths(asOf, -40);
  const dx = b.visit(hivStart, SNOMED.problem, 'AMB', { security: ['HIV'] });
  const hiv = b.condition(dx, SNOMED.hiv);
  b.medication(dx, RXNORM.art, 'active', { reason: hiv, dosage: 'Take 1 tablet by mouth once daily' });
  for (let i = 0; i < 8; i++) {
    const v = b.visit(addDays(addMonths(hivStart, i * 5), 3), SNOMED.followUp, 'AMB', { security: ['HIV'] });
    const vl = b.observation(v, LOINC.hivViralLoad, i === 0 ? SECRET_VIRAL_LOAD : Math.max(20, Math.round(4000 / (i * i + 1))), '{copies}/mL', 'laboratory');
    const cd4 = b.observation(v, LOINC.cd4, 310 + i * 45, '/uL', 'laboratory');
    b.report(v, LOINC.cbcPanel, [vl, cd4]);
  }
  // Psychiatric care: confidentiality V on the diagnosis, PSY on the visit, order and note.
  const psy = b.visit(addMonths(asOf, -22), SNOMED.problem, 'AMB', { security: ['PSY', 'V'] });
  const mdd = b.condition(psy, SNOMED.depression, { security: ['V', 'PSY'] });
  b.medication(psy, RXNORM.sertraline, 'active', { reason: mdd, security: ['PSY'], dosage: 'Take 1 tablet by mouth once daily' });
  b.note(psy, LOINC.psychNote, 'Psychiatry consult. Patient reports low mood for four months, poor sleep and intrusive thoughts about the assault. Plan: start sertraline, weekly therapy.', ['PSY']);
  return b.bundle();
}
