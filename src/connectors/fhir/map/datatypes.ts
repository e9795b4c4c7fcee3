/**
 * Readable renderings of FHIR R4 datatypes for summaries. Everything here is defensive: input
 * comes from outside servers and files, so any field may be missing or of the wrong shape.
 */

export type Json = Record<string, unknown>;

export const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/** Short names of code systems worth writing into text (so search finds "LOINC 8480-6"). */
const SYSTEMS: Record<string, string> = {
  'http://loinc.org': 'LOINC',
  'http://snomed.info/sct': 'SNOMED',
  'http://www.nlm.nih.gov/research/umls/rxnorm': 'RxNorm',
  'http://hl7.org/fhir/sid/icd-10-cm': 'ICD-10-CM',
  'http://hl7.org/fhir/sid/icd-10': 'ICD-10',
  'http://hl7.org/fhir/sid/icd-9-cm': 'ICD-9-CM',
  'http://hl7.org/fhir/sid/cvx': 'CVX',
  'http://hl7.org/fhir/sid/ndc': 'NDC',
  'http://www.ama-assn.org/go/cpt': 'CPT',
  'urn:oid:2.16.840.1.113883.6.1': 'LOINC',
  'urn:oid:2.16.840.1.113883.6.96': 'SNOMED',
  'urn:oid:2.16.840.1.113883.6.88': 'RxNorm',
  'urn:oid:2.16.840.1.113883.6.90': 'ICD-10-CM',
  'urn:oid:2.16.840.1.113883.12.292': 'CVX',
};

export function systemLabel(system: unknown): string | undefined {
  return typeof system === 'string' ? SYSTEMS[system] : undefined;
}

/** "LOINC 8480-6" for each coding of a known system (Epic's internal OIDs are skipped). */
export function codeLabels(cc: unknown): string[] {
  const out: string[] = [];
  for (const c of arr(isObj(cc) ? cc.coding : undefined)) {
    if (!isObj(c)) continue;
    const label = systemLabel(c.system);
    const code = str(c.code);
    if (label && code) out.push(`${label} ${code}`);
  }
  return out;
}

/** The best human name of a CodeableConcept: its text, a display, else "LOINC 1234-5", else a bare code. */
export function conceptText(cc: unknown): string | undefined {
  if (!isObj(cc)) return str(cc);
  const text = str(cc.text);
  if (text) return text;
  const codings = arr(cc.coding).filter(isObj);
  for (const c of codings) {
    const d = str(c.display);
    if (d) return d;
  }
  for (const c of codings) {
    const label = systemLabel(c.system);
    const code = str(c.code);
    if (code) return label ? `${label} ${code}` : code;
  }
  return undefined;
}

/** Whether a CodeableConcept carries the given code (any system unless one is given). */
export function hasCode(cc: unknown, code: string, system?: string): boolean {
  return arr(isObj(cc) ? cc.coding : undefined).some((c) => isObj(c) && c.code === code && (!system || c.system === system));
}

/** UCUM codes that read badly in a sentence. */
const UNITS: Record<string, string> = { 'mm[Hg]': 'mmHg', '[lb_av]': 'lb', '[in_i]': 'in', Cel: '°C', '[degF]': '°F', '[oz_av]': 'oz' };

function num(v: unknown): string | undefined {
  // Generated data (e.g. Synthea) carries 14 decimals; two are plenty for reading.
  if (typeof v === 'number' && Number.isFinite(v)) return /\.\d{5,}/.test(String(v)) ? String(Math.round(v * 100) / 100) : String(v);
  if (typeof v === 'string' && v.trim() && !Number.isNaN(Number(v))) return v.trim();
  return undefined;
}

/** "128 mmHg", "< 5 mg/dL". UCUM curly annotations like "{score}" are dropped. */
export function quantity(q: unknown): string | undefined {
  if (!isObj(q)) return undefined;
  const value = num(q.value);
  if (value === undefined) return undefined;
  const comparator = str(q.comparator);
  let unit = str(q.unit) ?? str(q.code);
  if (unit && /^\{.*\}$/.test(unit)) unit = undefined;
  if (unit) unit = UNITS[unit] ?? unit;
  return [comparator, value, unit].filter(Boolean).join(' ').replace(/^([<>]=?) /, '$1 ');
}

function range(r: unknown): string | undefined {
  if (!isObj(r)) return undefined;
  const low = quantity(r.low);
  const high = quantity(r.high);
  if (low && high) return `${low} to ${high}`;
  if (low) return `at least ${low}`;
  if (high) return `at most ${high}`;
  return undefined;
}

function ratio(r: unknown): string | undefined {
  if (!isObj(r)) return undefined;
  const n = quantity(r.numerator);
  const d = quantity(r.denominator);
  return n && d ? `${n} / ${d}` : n;
}

function period(p: unknown): string | undefined {
  if (!isObj(p)) return undefined;
  const s = displayDate(p.start);
  const e = displayDate(p.end);
  if (s && e) return s === e ? s : `${s} to ${e}`;
  if (s) return `from ${s}`;
  if (e) return `until ${e}`;
  return undefined;
}

/**
 * Renders a choice-type element `<prefix>[x]` (value[x], onset[x], …) of any R4 kind.
 * Returns undefined when the element is absent.
 */
export function choiceValue(resource: Json, prefix: string): string | undefined {
  for (const [key, v] of Object.entries(resource)) {
    if (!key.startsWith(prefix) || key.length === prefix.length) continue;
    const type = key.slice(prefix.length);
    if (!/^[A-Z]/.test(type)) continue;
    switch (type) {
      case 'Quantity':
      case 'Age':
      case 'Duration':
      case 'Distance':
      case 'Count':
      case 'Money':
        return quantity(v) ?? (isObj(v) ? num((v as Json).value) : undefined);
      case 'CodeableConcept':
        return conceptText(v);
      case 'Coding':
        return conceptText({ coding: [v] });
      case 'String':
      case 'Markdown':
      case 'Code':
      case 'Uri':
      case 'Url':
      case 'Id':
        return str(v);
      case 'Boolean':
        return typeof v === 'boolean' ? (v ? 'yes' : 'no') : undefined;
      case 'Integer':
      case 'Decimal':
      case 'PositiveInt':
      case 'UnsignedInt':
        return num(v);
      case 'Range':
        return range(v);
      case 'Ratio':
        return ratio(v);
      case 'Period':
        return period(v);
      case 'DateTime':
      case 'Date':
      case 'Instant':
        return displayDate(v);
      case 'Time':
        return str(v);
      case 'SampledData':
        return 'sampled data series';
      case 'Attachment':
        return isObj(v) ? (str(v.title) ?? `attachment (${str(v.contentType) ?? 'unknown type'})`) : undefined;
      case 'Reference':
        return isObj(v) ? str(v.display) ?? str(v.reference) : undefined;
      case 'Annotation':
        return isObj(v) ? str(v.text) : undefined;
      default:
        return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
    }
  }
  return undefined;
}

/** The start of a FHIR date/dateTime/instant/Period value as a full ISO timestamp, or undefined. */
export function toIsoInstant(v: unknown): string | undefined {
  if (isObj(v)) return toIsoInstant(v.start) ?? toIsoInstant(v.end);
  if (typeof v !== 'string') return undefined;
  // "2024-03-02 10:00:00" (a space for the T) is not FHIR, but exports write it.
  const s = v.trim().replace(/^(\d{4}-\d{2}-\d{2}) (?=\d{2}:)/, '$1T');
  let candidate: string;
  if (/^\d{4}$/.test(s)) candidate = `${s}-01-01T00:00:00Z`;
  else if (/^\d{4}-\d{2}$/.test(s)) candidate = `${s}-01T00:00:00Z`;
  else if (/^\d{4}-\d{2}-\d{2}$/.test(s)) candidate = `${s}T00:00:00Z`;
  else if (/^\d{4}-\d{2}-\d{2}T/.test(s)) {
    // A dateTime without an offset (invalid FHIR, common in exports) is read as UTC, never
    // in whatever time zone this server happens to run in.
    candidate = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(s) ? s : `${s}Z`;
  }
  else return undefined;
  const t = Date.parse(candidate);
  if (Number.isNaN(t)) return undefined;
  const year = new Date(t).getUTCFullYear();
  // Outside 0001–9999 PostgreSQL and JSON disagree; such a date is an error in the source.
  if (year < 1 || year > 9999) return undefined;
  return new Date(t).toISOString();
}

/** The first date of a Timing: its first `event`, else the start of `repeat.boundsPeriod`. */
export function timingStart(t: unknown): string | undefined {
  if (!isObj(t)) return undefined;
  const event = arr(t.event).find((e) => typeof e === 'string');
  if (typeof event === 'string') return event;
  const bounds = isObj(t.repeat) ? t.repeat.boundsPeriod : undefined;
  return isObj(bounds) && typeof bounds.start === 'string' ? bounds.start : undefined;
}

/** "2024-03-02" from a FHIR date or dateTime (as written: no time-zone shift), or a Period's start. */
export function displayDate(v: unknown): string | undefined {
  if (isObj(v)) return displayDate(v.start) ?? displayDate(v.end);
  if (typeof v !== 'string') return undefined;
  const m = v.trim().match(/^(\d{4}(?:-\d{2}(?:-\d{2})?)?)/);
  return m ? m[1] : undefined;
}

export function referenceDisplay(ref: unknown): string | undefined {
  return isObj(ref) ? str(ref.display) : undefined;
}

/** A HumanName as "Given Family" (the official one if several). */
export function humanName(names: unknown): string | undefined {
  const list = arr(names).filter(isObj);
  const n = list.find((x) => x.use === 'official') ?? list[0];
  if (!n) return undefined;
  const text = str(n.text);
  if (text) return text;
  const parts = [...arr(n.given).map(str), str(n.family)].filter(Boolean);
  return parts.length ? parts.join(' ') : undefined;
}
