import type { RecordFacts } from './record-facts.ts';
import type { Topic } from './vocabulary.ts';

/**
 * Context shaped for a question: sections of short lines, each line citing the items it was
 * read from. The prompt numbers items in order of first citation; a line shows its numbers.
 */
export interface Rec {
  id: string;
  kind: string;
  source: string;
  sourceId: string | null;
  date: Date | null;
  /** Decrypted and redacted. */
  title: string;
  text: string;
  categories: string[];
  facts?: RecordFacts;
}

export interface ContextLine {
  /** Redacted text, without citation numbers. */
  text: string;
  itemIds: string[];
  /** Must reach the prompt (the newest readings, a list's entries): compacted, never dropped. */
  required?: boolean;
}

export interface ContextSection {
  kind: 'summary' | 'list' | 'series' | 'visits' | 'billing' | 'records' | 'absence';
  title: string;
  lines: ContextLine[];
  /** For a series: the readings, newest first (the web client can draw them). */
  points?: { itemId: string; date: string | null; value: string }[];
}

export const ymd = (d: Date | null | undefined): string => (d ? d.toISOString().slice(0, 10) : 'undated');
const newestFirst = (a: Rec, b: Rec) => (b.date?.getTime() ?? 0) - (a.date?.getTime() ?? 0);

/** Whether a record is about a topic: a shared code, or one of its display words as a whole word. */
export function matchesTopic(r: Rec, t: Topic): boolean {
  if (r.facts && t.codes?.some((c) => r.facts!.codes.some((k) => k === c || (c.startsWith('icd10:') && k.startsWith(c))))) return true;
  // A coded record is judged by its names; free text (a note, a document) also by the person's words.
  const hay = r.facts?.haystack ?? `${r.title} ${r.text}`.toLowerCase();
  const words = r.facts ? t.display : [...t.display, ...t.words];
  // The question's own words are folded ("stones" → "stone"): they match as word beginnings.
  const end = t.adhoc ? '' : '($|[^a-z0-9])';
  return words.some((w) => new RegExp(`(^|[^a-z0-9])${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${end}`, 'i').test(hay) || (w.length > 5 && hay.includes(w)));
}

/** The record's name without the date the importer appended to its title. */
export function nameOf(r: Rec): string {
  const n = r.facts?.name || r.title.replace(/^[A-Za-z ]+:\s*/, '');
  return n.replace(/,\s*\d{4}-\d{2}-\d{2}$/, '').trim() || r.title;
}

const statusText = (r: Rec): string => {
  const f = r.facts;
  if (!f) return '';
  if (f.active === true) return f.status && f.status !== 'active' ? `active (${f.status})` : 'active';
  if (f.active === false) return f.status ?? 'inactive';
  return f.status ?? '';
};

/**
 * One line per distinct name (a medication ordered twenty times is one line), the newest record
 * deciding its status; the line cites that record and the first one (its start), and shows both
 * dates. Active ones first, then the rest, each group newest first.
 */
export function groupedList(recs: Rec[], opts: { dates?: 'each' | 'span' } = {}): ContextLine[] {
  const groups = new Map<string, Rec[]>();
  for (const r of [...recs].sort(newestFirst)) {
    const key = nameOf(r).toLowerCase();
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const lines: (ContextLine & { active: boolean; at: number })[] = [];
  for (const g of groups.values()) {
    const latest = g[0];
    const first = g[g.length - 1];
    const st = statusText(latest);
    let when: string;
    let cited: Rec[];
    if (opts.dates === 'each') {
      cited = g;
      when = g.map((r) => ymd(r.date)).join(', ');
    } else {
      cited = first === latest ? [latest] : [latest, first];
      const since = first.facts?.since ?? ymd(first.date);
      const until = latest.facts?.until;
      when = latest.facts?.active === false && until ? `${since} to ${until}` : first === latest ? since : `since ${since}, latest record ${ymd(latest.date)}`;
    }
    const extra = latest.facts?.value && latest.kind !== 'fhir.Observation' ? `; ${latest.facts.value}` : '';
    lines.push({ text: `${nameOf(latest)}${st ? ` — ${st}` : ''}${extra} (${when})`, itemIds: cited.map((r) => r.id), required: true, active: latest.facts?.active !== false, at: latest.date?.getTime() ?? 0 });
  }
  lines.sort((a, b) => Number(b.active) - Number(a.active) || b.at - a.at);
  return lines.map(({ text, itemIds, required }) => ({ text, itemIds, required }));
}

/** Readings grouped by what was measured, each group newest first. */
export function seriesOf(recs: Rec[]): { name: string; recs: Rec[] }[] {
  const groups = new Map<string, Rec[]>();
  for (const r of [...recs].sort(newestFirst)) {
    const key = (r.facts?.codes.find((c) => c.startsWith('loinc:')) ?? nameOf(r).toLowerCase());
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()].map((g) => ({ name: nameOf(g[0]), recs: g })).sort((a, b) => b.recs.length - a.recs.length);
}

/** A compact table of readings: one line each, "2024-03-05: 7.2 %". */
export function seriesSection(name: string, recs: Rec[], opts: { title?: string; max?: number }): ContextSection {
  const shown = recs.slice(0, opts.max ?? recs.length);
  const range = shown.find((r) => r.facts?.range)?.facts?.range;
  const lines: ContextLine[] = shown.map((r, n) => ({ text: `${ymd(r.date)}: ${r.facts?.value || nameOf(r)}`, itemIds: [r.id], required: n < 3 || !opts.max }));
  if (recs.length > shown.length) lines.push({ text: `(${recs.length - shown.length} older readings not shown)`, itemIds: [] });
  return {
    kind: 'series',
    title: `${opts.title ?? name}${range ? ` (reference range ${range})` : ''}, newest first`,
    lines,
    points: shown.map((r) => ({ itemId: r.id, date: r.date?.toISOString() ?? null, value: r.facts?.value ?? '' })),
  };
}

/**
 * Visits newest first, each with what it was for, the problems diagnosed at it (`diagnoses`, by
 * encounter) and, when asked, what it cost (`billing`, by encounter).
 */
export function visitLines(visits: Rec[], billing: Map<string, Rec[]> | null, diagnoses?: Map<string, Rec[]>): ContextLine[] {
  return [...visits].sort(newestFirst).map((v) => {
    const reason = v.text.match(/Reason: ([^\n]+)/)?.[1];
    const cls = v.facts?.encounterClass ? ` [${CLASS_NAMES[v.facts.encounterClass] ?? v.facts.encounterClass}]` : '';
    const until = v.facts?.until && v.facts.until !== ymd(v.date) ? ` to ${v.facts.until}` : '';
    const bills = billing?.get(fhirId(v)) ?? [];
    const found = diagnoses?.get(fhirId(v)) ?? [];
    const named = found.map(nameOf).filter((n) => !reason?.toLowerCase().includes(n.toLowerCase()));
    const cost = bills.length ? `; ${costText(bills)}` : '';
    const dx = named.length ? `; diagnosed: ${[...new Set(named)].join(', ')}` : '';
    return { text: `${ymd(v.date)}${until} ${nameOf(v)}${cls}${reason ? ` — for ${reason}` : ''}${dx}${cost}`, itemIds: [v.id, ...found.map((d) => d.id), ...bills.map((b) => b.id)], required: true };
  });
}

const CLASS_NAMES: Record<string, string> = { AMB: 'outpatient', EMER: 'emergency', IMP: 'inpatient stay', ACUTE: 'inpatient stay', NONAC: 'inpatient', OBSENC: 'observation', SS: 'short stay', VR: 'virtual', HH: 'home health', FLD: 'field' };

/** "billed 129.16, insurance paid 100.00" from a visit's Claim and ExplanationOfBenefit. */
export function costText(bills: Rec[]): string {
  const claim = bills.find((b) => b.kind === 'fhir.Claim');
  const eob = bills.find((b) => b.kind === 'fhir.ExplanationOfBenefit');
  const parts: string[] = [];
  const total = eob?.facts?.total ?? claim?.facts?.total;
  if (total) parts.push(`billed ${total}`);
  if (eob?.facts?.paid) parts.push(`insurance paid ${eob.facts.paid}`);
  return parts.join(', ') || 'billing record without amounts';
}

/** Records by the id of the encounter they belong to. */
export function byEncounter(recs: Rec[]): Map<string, Rec[]> {
  const out = new Map<string, Rec[]>();
  for (const b of recs) {
    const id = b.facts?.encounterRef;
    if (id) out.set(id, [...(out.get(id) ?? []), b]);
  }
  return out;
}

/** The FHIR id of a record (`Encounter/abc` → `abc`). */
export const fhirId = (r: Rec): string => r.sourceId?.slice(r.sourceId.indexOf('/') + 1) ?? '';

/** Any record as one short line (free-text matches, notes, documents, wearable days). */
export function recordLine(r: Rec, maxChars = 320): ContextLine {
  let body = r.text.replace(/\s+/g, ' ').trim();
  const title = r.title.trim();
  if (body.startsWith(title)) body = body.slice(title.length).replace(/^[\s.,:;—–-]+/, '');
  body = body.replace(/\s*\/?\s*Codes: [^/]*$/, '');
  const line = `${title}${body ? ` — ${body}` : ''}`;
  return { text: line.length > maxChars ? `${line.slice(0, maxChars - 1)}…` : line, itemIds: [r.id] };
}
