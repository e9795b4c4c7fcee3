import type { Json } from './builder.ts';
import { Rng } from './rng.ts';
import { chronicPatient } from './patients/chronic.ts';
import { childPatient } from './patients/child.ts';
import { healthyPatient } from './patients/healthy.ts';
import { elderlyPatient } from './patients/elderly.ts';
import { sensitivePatient } from './patients/sensitive.ts';

export type PatientKey = 'chronic' | 'child' | 'healthy' | 'elderly' | 'sensitive';

export interface GeneratedPatient {
  key: PatientKey;
  bundle: Json;
}

const MAKERS: Record<PatientKey, (rng: Rng, asOf: number) => Json> = {
  chronic: chronicPatient,
  child: childPatient,
  healthy: healthyPatient,
  elderly: elderlyPatient,
  sensitive: sensitivePatient,
};

/**
 * Synthetic FHIR R4 patients in Synthea's style, deterministic for a seed and a day (`asOf`,
 * UTC midnight: histories end shortly before it, so "last year" questions have answers).
 * Each patient has its own stream, so adding one never changes the others.
 */
export function generatePatients(seed: number, asOf: number): GeneratedPatient[] {
  return (Object.keys(MAKERS) as PatientKey[]).map((key, i) => ({ key, bundle: MAKERS[key](new Rng(seed * 1000 + i + 1), asOf) }));
}
