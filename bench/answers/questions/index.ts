import { FhirScan } from '../fhir-scan.ts';
import type { GeneratedPatient, PatientKey } from '../generate.ts';
import { SECRET_MARKERS } from '../patients/sensitive.ts';
import { WITHHELD_MARKERS } from '../patients/healthy.ts';
import { chronicQuestions } from './chronic.ts';
import { badInputQuestions, healthyQuestions } from './healthy.ts';
import { childQuestions } from './child.ts';
import { elderlyQuestions } from './elderly.ts';
import { sensitiveQuestions } from './sensitive.ts';
import { finish, type Question, type QuestionSet } from './types.ts';

const SETS: Partial<Record<PatientKey, QuestionSet[]>> = {
  chronic: [chronicQuestions, badInputQuestions],
  child: [childQuestions],
  healthy: [healthyQuestions],
  elderly: [elderlyQuestions],
  sensitive: [sensitiveQuestions],
};

/** Every question with its ground truth, computed from the generated FHIR of its patient. */
export function buildQuestions(patients: GeneratedPatient[], today: string): Question[] {
  const out: Question[] = [];
  for (const p of patients) {
    const scan = new FhirScan(p.bundle, p.unshared);
    for (const set of SETS[p.key] ?? []) for (const q of set(scan, today)) out.push(finish(p.key, scan, q));
  }
  const ids = new Set<string>();
  for (const q of out) {
    if (ids.has(q.id)) throw new Error(`duplicate question id ${q.id}`);
    if (q.follows && !ids.has(q.follows)) throw new Error(`${q.id} follows ${q.follows}, which is not asked before it`);
    ids.add(q.id);
    if (!q.required.length && q.cls !== 'absence' && q.cls !== 'bad-input') throw new Error(`question ${q.id} requires no record: its ground truth found nothing`);
    if (!q.facts.length && q.cls !== 'bad-input') throw new Error(`question ${q.id} needs no fact`);
    // A secret marker in a question would make the leak check count the person's own words.
    const marker = [...SECRET_MARKERS, ...WITHHELD_MARKERS].find((m) => q.text.toLowerCase().includes(m.toLowerCase()));
    if (marker) throw new Error(`question ${q.id} contains a secret marker`);
  }
  return out;
}
