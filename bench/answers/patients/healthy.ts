import { PatientBuilder, type Json } from '../builder.ts';
import { CVX, SNOMED } from '../codes.ts';
import { FhirScan, refOf } from '../fhir-scan.ts';
import { addDays, addMonths, type Rng } from '../rng.ts';
import { vitals } from './common.ts';

/** Words of the visit the person withholds: in no prompt, embedding request or context. */
export const WITHHELD_MARKERS = [SNOMED.vasectomy.display];

/**
 * A healthy adult in their thirties: a few check-ups, one cold that resolved, a few vaccines;
 * no allergies, no medications, no shared procedures (the questions about those have "none on
 * file" as their right answer). He withholds one visit item by item (a vasectomy, its encounter
 * and its bills): it must change neither the context nor the absence notice.
 */
export function healthyPatient(rng: Rng, asOf: number): { bundle: Json; unshared: string[] } {
  const b = new PatientBuilder(rng, { given: 'Devon219', family: 'Marquardt819', gender: 'male', birthDate: '1991-08-02', city: 'Worcester' });
  const checkups = [addMonths(asOf, -50), addMonths(asOf, -26), addMonths(asOf, -3)];
  checkups.forEach((d, i) => {
    const v = b.visit(addDays(d, rng.int(0, 9)), i === 0 ? SNOMED.generalExam : SNOMED.checkUp, 'AMB');
    vitals(b, v, { systolic: rng.around(118, 6), diastolic: rng.around(76, 4), weightKg: rng.around(77, 1.5, 1), heightCm: 181.3, heartRate: rng.around(64, 5) });
    b.immunization(v, i === 1 ? CVX.td : CVX.flu);
  });
  const sick = b.visit(addMonths(asOf, -14), SNOMED.symptom, 'AMB', { reason: SNOMED.sinusitis });
  b.condition(sick, SNOMED.sinusitis, { resolved: addDays(sick.day, 10) });
  const private_ = b.visit(addMonths(asOf, -20), SNOMED.urology, 'AMB');
  b.procedure(private_, SNOMED.vasectomy);
  const bundle = b.bundle();
  return { bundle, unshared: new FhirScan(bundle).visitRecords(private_.id).map(refOf) };
}
