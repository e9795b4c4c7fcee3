/**
 * Removes direct identifiers from record text before it leaves for a model container:
 * names, addresses, phone numbers, emails, MRN/SSN-like numbers; a birth date becomes an age.
 * Three layers: the person's own identifiers learnt from identity records (FHIR Patient,
 * RelatedPerson, Practitioner), common first name + surname pairs from shipped name lists
 * (name-list.ts), and patterns for identifiers nobody told us about. Codes of code systems
 * (SNOMED, LOINC, RxNorm, CVX, ICD…) are concepts, not identifiers, and stay readable.
 */
import { BIRTH_DATE, CODE_MENTION, PATTERNS, parseLooseDate } from './redact-patterns.ts';
import { redactListedNames } from './name-list.ts';

/** An SSN or a phone number written after a code-system word is still an SSN or a phone number. */
const PERSONAL_SHAPE = /^(?:\d{3}-\d{2}-\d{4}|\d{3}[.-]\d{3}[.-]\d{4})$/;

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

/** Whole years from a birth date to `now` (UTC). */
export function ageOn(b: Date, now: Date): number {
  let age = now.getUTCFullYear() - b.getUTCFullYear();
  const m = now.getUTCMonth() - b.getUTCMonth();
  if (m < 0 || (m === 0 && now.getUTCDate() < b.getUTCDate())) age--;
  return age;
}

/** A FHIR birthDate (a year alone counts from mid-year), or null when unreadable. */
export const parseBirth = (birth: string) => {
  const b = new Date(birth.length === 4 ? `${birth}-07-01` : birth);
  return Number.isNaN(b.getTime()) ? null : b;
};

/** One alternation for many literal values, longest first, never inside a longer word. */
function literalRegex(values: string[], flags: string): RegExp | null {
  if (!values.length) return null;
  const alts = [...values].sort((a, b) => b.length - a.length).map((v) => escape(v).replace(/\s+/g, '\\s+'));
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${alts.join('|')})(?![\\p{L}\\p{N}])`, flags);
}

/**
 * Forms in which a recorded name counts as that name: as recorded, Capitalised and UPPER case.
 * A single name is a proper noun, so "may", "will" or "grace" in lower case stay words; a name
 * of several words ("camila powell") is nobody's common phrase and matches in any case.
 */
function nameForms(name: string): { exact: string[]; anyCase: string[] } {
  if (/\s/.test(name)) return { exact: [], anyCase: [name] };
  const cap = name.charAt(0).toUpperCase() + name.slice(1).toLowerCase();
  return { exact: [...new Set([name, cap, name.toUpperCase()])], anyCase: [] };
}

export class Redactor {
  private readonly known: [RegExp, string][] = [];
  private readonly dobPattern: RegExp | null;
  private readonly now: Date;
  private readonly ownAge: string;

  constructor(facts: IdentityFacts, now = new Date()) {
    this.now = now;
    const clean = (values: string[], minLen: number) => [...new Set(values.map((v) => v.trim()).filter((v) => v.length >= minLen))];
    const add = (re: RegExp | null, label: string) => re && this.known.push([re, label]);
    add(literalRegex(clean(facts.emails, 3), 'giu'), '[email]');
    add(literalRegex(clean(facts.identifiers, 4), 'giu'), '[id]');
    add(literalRegex(clean(facts.phones, 7), 'giu'), '[phone]');
    add(literalRegex(clean(facts.addressParts, 4), 'giu'), '[address]');
    // Names as short as two letters (Li, Wu) are the person's; case keeps them apart from words.
    const names = clean(facts.names, 2).map(nameForms);
    add(literalRegex(names.flatMap((n) => n.anyCase), 'giu'), '[name]');
    add(literalRegex(names.flatMap((n) => n.exact), 'gu'), '[name]');
    const birth = facts.birthDate ? parseBirth(facts.birthDate) : null;
    this.dobPattern = facts.birthDate && birth ? new RegExp(`(?<![\\d-])${escape(facts.birthDate)}(?![\\d-])`, 'g') : null;
    this.ownAge = birth ? `age ${ageOn(birth, now)}` : '[birth date]';
  }

  redact(text: string): string {
    let out = text;
    // A birth date becomes the age it gives (whoever's it is); an unreadable one is removed.
    out = out.replace(BIRTH_DATE, (_m, date: string) => {
      const b = parseLooseDate(date, this.now);
      return b ? `age ${ageOn(b, this.now)}` : '[birth date]';
    });
    if (this.dobPattern) out = out.replace(this.dobPattern, this.ownAge);
    for (const [re, label] of this.known) out = out.replace(re, label);
    // Codes are set aside while the patterns run (a 9-digit SNOMED id looks like an account number).
    const codes: string[] = [];
    out = out.replace(CODE_MENTION, (m: string, system: string, code: string) => {
      if (PERSONAL_SHAPE.test(code)) return m;
      codes.push(code);
      return `${system}\uE000${codes.length - 1}\uE001`;
    });
    out = redactListedNames(out);
    for (const [re, rep] of PATTERNS) out = out.replace(re, rep as string);
    return out.replace(/\uE000(\d+)\uE001/g, (m, i: string) => codes[Number(i)] ?? m);
  }
}
