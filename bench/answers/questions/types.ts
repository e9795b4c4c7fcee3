import type { Json } from '../builder.ts';
import { date, num, text, type Fact } from '../facts.ts';
import { dayOf, display, refOf, type FhirScan, type Ref } from '../fhir-scan.ts';
import type { PatientKey } from '../generate.ts';

/** The classes of issue 13, each reported on its own. */
export const CLASSES = ['overview', 'list', 'status', 'latest', 'follow-up', 'trend', 'synonym', 'billing', 'absence', 'bad-input'] as const;
export type QuestionClass = (typeof CLASSES)[number];

export interface Question {
  id: string;
  patient: PatientKey;
  cls: QuestionClass;
  text: string;
  /** The question this one continues, in the same conversation. */
  follows?: string;
  /** Records an answer cannot do without. */
  required: Ref[];
  /** Records that belong in the context: the required ones plus acceptable ones. */
  relevant: Ref[];
  /** Facts an answer needs, to be found in the prompt text. */
  facts: Fact[];
  /** Costs and insurance questions: billing records are relevant there, and only there. */
  aboutCost?: boolean;
}

export interface QuestionInput {
  id: string;
  cls: QuestionClass;
  text: string;
  follows?: string;
  required: Json[];
  also?: Json[];
  facts: Fact[];
  aboutCost?: boolean;
}

/** Questions of one patient, from the scan of its chart and today's date (YYYY-MM-DD). */
export type QuestionSet = (scan: FhirScan, today: string) => QuestionInput[];

/** The Patient record is always acceptable context (age and sex help most answers). */
export function finish(patient: PatientKey, scan: FhirScan, q: QuestionInput): Question {
  const required = [...new Set(q.required.map(refOf))];
  const relevant = [...new Set([...required, ...(q.also ?? []).map(refOf), refOf(scan.patient())])];
  return { id: `${patient}:${q.id}`, patient, cls: q.cls, text: q.text, follows: q.follows && `${patient}:${q.follows}`, required, relevant, facts: q.facts, aboutCost: q.aboutCost };
}

const STOP = new Set(
  'essential acute chronic viral disorder finding procedure of to allergy the with body mass index type mellitus hr mg ml oral tablet capsule extended release sodium hydrochloride succinate actuat metered dose inhaler suspension congestive subluxation plain application injectable preservative free seasonal'.split(' '),
);

/** The main word of a display name ("Diabetes mellitus type 2 (disorder)" → "diabetes"), plural s dropped. */
export function mainWord(name: string): string {
  const words = name
    .replace(/\([^)]*\)/g, ' ')
    .toLowerCase()
    .split(/[^a-z-]+/)
    .filter((w) => w.length > 2 && !STOP.has(w));
  const best = words.reduce((a, w) => (w.length > a.length ? w : a), '');
  return best.endsWith('s') && !best.endsWith('ss') && !best.endsWith('is') ? best.slice(0, -1) : best;
}

/** The name of a condition, medication, allergy, procedure or vaccine as a fact. */
export function nameFact(r: Json): Fact {
  const name = display(r.code ?? r.medicationCodeableConcept ?? r.vaccineCode);
  // Vaccine names are short already: up to the first comma or bracket ("Hep A, ped/adol" → "Hep A").
  if (r.resourceType === 'Immunization') return text(name.startsWith('Influenza') ? 'influenza' : name.split(/[,(]/)[0].trim(), name);
  return text(mainWord(name), name);
}

/** The value and date of a reading (both numbers of a blood pressure). */
export function readingFacts(o: Json): Fact[] {
  const values = o.component ? o.component.map((c: Json) => num(c.valueQuantity.value, display(c.code))) : [num(o.valueQuantity.value, display(o.code))];
  return [...values, date(dayOf(o), `date of ${display(o.code)}`)];
}

export const dayFact = (r: Json): Fact => date(dayOf(r), `date of ${r.resourceType}`);
