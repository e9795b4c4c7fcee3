import { LOINC } from '../codes.ts';
import type { PatientBuilder, Visit } from '../builder.ts';
import type { Rng } from '../rng.ts';

/** Vital signs taken at a visit, as Synthea records them: BP panel, weight, height, BMI, heart rate. */
export function vitals(b: PatientBuilder, v: Visit, x: { systolic: number; diastolic: number; weightKg: number; heightCm: number; heartRate: number }): void {
  b.bloodPressure(v, x.systolic, x.diastolic, LOINC.bpPanel, LOINC.systolic, LOINC.diastolic);
  b.observation(v, LOINC.weight, x.weightKg, 'kg', 'vital-signs');
  b.observation(v, LOINC.height, x.heightCm, 'cm', 'vital-signs');
  b.observation(v, LOINC.bmi, Math.round((x.weightKg / (x.heightCm / 100) ** 2) * 10) / 10, 'kg/m2', 'vital-signs');
  b.observation(v, LOINC.heartRate, x.heartRate, '/min', 'vital-signs');
}

/** A lipid panel (total, LDL, HDL, triglycerides) and its DiagnosticReport. */
export function lipidPanel(b: PatientBuilder, v: Visit, rng: Rng, ldlMean: number): void {
  const ldl = rng.around(ldlMean, 12);
  const hdl = rng.around(48, 6);
  const tg = rng.around(150, 30);
  const total = Math.round(ldl + hdl + tg / 5);
  b.report(v, LOINC.lipidPanel, [
    b.observation(v, LOINC.cholesterol, total, 'mg/dL', 'laboratory', { range: [0, 200] }),
    b.observation(v, LOINC.ldl, ldl, 'mg/dL', 'laboratory', { range: [0, 100] }),
    b.observation(v, LOINC.hdl, hdl, 'mg/dL', 'laboratory', { range: [40, 60] }),
    b.observation(v, LOINC.triglycerides, tg, 'mg/dL', 'laboratory', { range: [0, 150] }),
  ]);
}

/** Glucose, creatinine and hemoglobin, with a metabolic panel report. */
export function metabolicPanel(b: PatientBuilder, v: Visit, rng: Rng, glucoseMean: number, creatinineMean = 0.9): void {
  b.report(v, LOINC.metabolicPanel, [
    b.observation(v, LOINC.glucose, rng.around(glucoseMean, 15), 'mg/dL', 'laboratory', { range: [70, 99] }),
    b.observation(v, LOINC.creatinine, rng.around(creatinineMean, 0.15, 2), 'mg/dL', 'laboratory', { range: [0.6, 1.3] }),
  ]);
}
