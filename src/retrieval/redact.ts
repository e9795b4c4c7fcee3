/**
 * Removes direct identifiers from record text before it leaves for a model container:
 * names, addresses, phone numbers, emails, MRN/SSN-like numbers; a birth date becomes an age.
 * Two layers: the person's own identifiers learnt from identity records (FHIR Patient,
 * RelatedPerson, Practitioner) and patterns for identifiers nobody told us about.
 */
export interface IdentityFacts {
  names: string[];
  addressParts: string[];
  phones: string[];
  emails: string[];
  identifiers: string[];
  birthDate?: string;
}

export const emptyFacts = (): IdentityFacts => ({ names: [], addressParts: [], phones: [], emails: [], identifiers: [] });

type Json = Record<string, any>;
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : v == null ? [] : [v]);

/** Collects identifiers from FHIR identity resources (Patient, RelatedPerson, Practitioner…). */
export function factsFromResources(resources: unknown[], into = emptyFacts()): IdentityFacts {
  for (const r of resources as Json[]) {
    if (!r || typeof r !== 'object') continue;
    for (const n of arr(r.name)) {
      if (typeof n?.text === 'string') into.names.push(n.text);
      const parts = [...arr(n?.given), ...arr(n?.family)].filter((x) => typeof x === 'string');
      into.names.push(...parts);
      if (parts.length > 1) into.names.push(parts.join(' '));
    }
    for (const t of arr(r.telecom)) {
      if (typeof t?.value !== 'string') continue;
      if (t.system === 'email' || t.value.includes('@')) into.emails.push(t.value);
      else into.phones.push(t.value);
    }
    for (const a of arr(r.address)) {
      for (const l of arr(a?.line)) if (typeof l === 'string') into.addressParts.push(l);
      if (typeof a?.text === 'string') into.addressParts.push(a.text);
      if (typeof a?.postalCode === 'string') into.addressParts.push(a.postalCode);
    }
    for (const id of arr(r.identifier)) if (typeof id?.value === 'string' && id.value.length >= 4) into.identifiers.push(id.value);
    if (r.resourceType === 'Patient' && typeof r.birthDate === 'string') into.birthDate = r.birthDate;
  }
  return into;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function ageOn(birth: string, now: Date): number | null {
  const b = new Date(birth.length === 4 ? `${birth}-07-01` : birth);
  if (Number.isNaN(b.getTime())) return null;
  let age = now.getUTCFullYear() - b.getUTCFullYear();
  const m = now.getUTCMonth() - b.getUTCMonth();
  if (m < 0 || (m === 0 && now.getUTCDate() < b.getUTCDate())) age--;
  return age;
}

const PATTERNS: [RegExp, string][] = [
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[email]'],
  [/\b\d{3}-\d{2}-\d{4}\b/g, '[id]'],
  [/\b(MRN|medical record (?:number|no\.?)|patient id|member id|account (?:number|no\.?)|ssn|social security(?: number)?)\s*[:#]?\s*[A-Za-z0-9-]{3,}/gi, '$1 [id]'],
  [/(?<![\d-])(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b/g, '[phone]'],
  [/\b\d{9,}\b/g, '[id]'],
  [/\b(Dr|Mr|Mrs|Ms|Miss|Mx|Prof)\.?\s+[A-Z][a-zA-Z'-]+(?:\s+[A-Z][a-zA-Z'-]+)?/g, '$1. [name]'],
  [/\b(name|patient|guarantor|emergency contact)\s*:\s*[A-Z][a-zA-Z'-]+(?:[ ,]+[A-Z][a-zA-Z'-]+){0,3}/gi, '$1: [name]'],
  [/\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Boulevard|Blvd|Court|Ct|Way|Place|Pl|Terrace|Circle)\b\.?/g, '[address]'],
];

export class Redactor {
  private readonly known: [RegExp, string][] = [];
  private readonly dobPattern: RegExp | null;
  private readonly age: number | null;

  constructor(facts: IdentityFacts, now = new Date()) {
    const add = (values: string[], label: string, minLen: number) => {
      const uniq = [...new Set(values.map((v) => v.trim()).filter((v) => v.length >= minLen))].sort((a, b) => b.length - a.length);
      for (const v of uniq) this.known.push([new RegExp(`(?<![\\p{L}\\p{N}])${escape(v).replace(/\s+/g, '\\s+')}(?![\\p{L}\\p{N}])`, 'giu'), label]);
    };
    add(facts.emails, '[email]', 3);
    add(facts.identifiers, '[id]', 4);
    add(facts.phones, '[phone]', 7);
    add(facts.addressParts, '[address]', 4);
    add(facts.names, '[name]', 3);
    this.age = facts.birthDate ? ageOn(facts.birthDate, now) : null;
    this.dobPattern = facts.birthDate ? new RegExp(`(?<![\\d-])${escape(facts.birthDate)}(?![\\d-])`, 'g') : null;
  }

  redact(text: string): string {
    let out = text;
    const ageText = this.age !== null ? `age ${this.age}` : '[birth date]';
    out = out.replace(/\b(date of birth|birth ?date|dob|born(?: on)?)\s*[:=]?\s*(\d{4}-\d{2}-\d{2}|\d{1,2}\/\d{1,2}\/\d{2,4}|[A-Z][a-z]+ \d{1,2},? \d{4})/gi, () => ageText);
    if (this.dobPattern) out = out.replace(this.dobPattern, ageText);
    for (const [re, label] of this.known) out = out.replace(re, label);
    for (const [re, label] of PATTERNS) out = out.replace(re, label);
    return out;
  }
}
