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
  /** References the person withholds item by item (`shareWithAi: false`) before sharing the source. */
  unshared: string[];
}

/** A maker returns the Bundle, or the Bundle and the records the person withholds. */
type Maker = (rng: Rng, asOf: number) => Json | { bundle: Json; unshared: string[] };

const MAKERS: Record<PatientKey, Maker> = {
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
  return (Object.keys(MAKERS) as PatientKey[]).map((key, i) => {
    const made = MAKERS[key](new Rng(seed * 1000 + i + 1), asOf);
    return 'unshared' in made ? { key, bundle: made.bundle as Json, unshared: made.unshared as string[] } : { key, bundle: made, unshared: [] };
  });
}
