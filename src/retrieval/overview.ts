import { ofClass, type Reader } from './gather.ts';
import { groupedList, recordLine, seriesOf, visitLines, ymd, type ContextLine, type ContextSection, type Rec } from './shape.ts';
import { TOPICS } from './vocabulary.ts';
import * as repo from '../db/retrieval.ts';
import { ageOn, parseBirth } from './redact.ts';

/**
 * A patient summary shaped like the International Patient Summary, built at question time from
 * AI-readable items only: who (age, sex), active problems, current medications, allergies,
 * immunizations, latest vitals and key labs, recent visits and procedures. A section with nothing
 * readable says so in words and counts nothing it cannot see.
 */
export async function overviewSections(r: Reader, now: Date): Promise<ContextSection[]> {
  const all = { ...r, from: undefined, to: undefined };
  const [patients, conditions, meds, allergies, immunizations, vitals, labs, visits, procedures, notes] = await Promise.all([
    repo.readableOfKinds(r.db, { userId: r.userId, kinds: ['fhir.Patient'], limit: 1 }),
    ofClass(all, 'conditions', { limit: 300 }),
    ofClass(all, 'medications', { limit: 300 }),
    ofClass(all, 'allergies', { limit: 100 }),
    ofClass(all, 'immunizations', { limit: 200 }),
    ofClass(all, 'vitals', { limit: 60 }),
    ofClass(all, 'labs', { limit: 200 }),
    ofClass(all, 'visits', { limit: 5 }),
    ofClass(all, 'procedures', { limit: 40 }),
    ofClass(all, 'documents', { limit: 5 }),
  ]);
  const sections: ContextSection[] = [];
  const who = patients.length ? patientLine(r, patients[0], now) : null;
  if (who) sections.push({ kind: 'summary', title: 'Patient', lines: [who] });
  const active = conditions.filter((c) => c.facts?.active !== false);
  const resolved = conditions.filter((c) => c.facts?.active === false);
  sections.push(listOrNone('Active problems', groupedList(active), 'active problem'));
  if (resolved.length) sections.push({ kind: 'list', title: 'Past (resolved) problems', lines: groupedList(resolved).slice(0, 12) });
  const currentMeds = meds.filter((m) => m.facts?.active !== false);
  sections.push(listOrNone('Current medications', groupedList(currentMeds), 'current medication'));
  sections.push(listOrNone('Allergies and intolerances', groupedList(allergies), 'allergy'));
  sections.push(listOrNone('Immunizations', groupedList(immunizations, { dates: 'each' }), 'immunization'));
  const latestVitals = latestPerTest(vitals, 8);
  if (latestVitals.length) sections.push({ kind: 'summary', title: 'Latest vital signs', lines: latestVitals });
  const keyLabs = latestPerTest(labs.filter((l) => l.kind === 'fhir.Observation'), 12);
  if (keyLabs.length) sections.push({ kind: 'summary', title: 'Latest lab results', lines: keyLabs });
  if (visits.length) sections.push({ kind: 'visits', title: 'Recent visits', lines: visitLines(visits, null) });
  if (notes.length) sections.push({ kind: 'records', title: 'Recent notes and documents', lines: notes.map((n) => recordLine(n, 240)) });
  if (procedures.length) sections.push({ kind: 'list', title: 'Procedures (most recent first)', lines: groupedList(procedures, { dates: 'each' }).slice(0, 8) });
  return sections;
}

function listOrNone(title: string, lines: ContextLine[], noun: string): ContextSection {
  return lines.length ? { kind: 'list', title, lines } : { kind: 'absence', title, lines: [{ text: `No ${noun} records are shared with the assistant.`, itemIds: [] }] };
}

const KEY_TESTS = new Set(TOPICS.filter((t) => t.measure).flatMap((t) => t.codes ?? []));

/** The latest reading of each test, key tests (A1c, lipids, INR, TSH, kidney…) first. */
function latestPerTest(recs: Rec[], max: number): ContextLine[] {
  const series = seriesOf(recs);
  const key = (s: { recs: Rec[] }) => (s.recs[0].facts?.codes.some((c) => KEY_TESTS.has(c)) ? 0 : 1);
  return series
    .sort((a, b) => key(a) - key(b) || (b.recs[0].date?.getTime() ?? 0) - (a.recs[0].date?.getTime() ?? 0))
    .slice(0, max)
    .map((s) => ({ text: `${s.name}: ${s.recs[0].facts?.value || '(no value)'} on ${ymd(s.recs[0].date)}`, itemIds: [s.recs[0].id], required: true }));
}

/** Age and sex from the Patient record (never the name, address or birth date). */
function patientLine(r: Reader, row: repo.KindRow, now: Date): ContextLine | null {
  const p = r.keys.decryptJson<Record<string, unknown>>('content', row.content_enc);
  if (!p) return null;
  const parts: string[] = [];
  if (typeof p.gender === 'string') parts.push(p.gender);
  if (typeof p.birthDate === 'string') {
    const b = parseBirth(p.birthDate);
    if (b) parts.push(`${ageOn(b, typeof p.deceasedDateTime === 'string' ? new Date(p.deceasedDateTime) : now)} years old`);
  }
  if (p.deceasedBoolean === true || typeof p.deceasedDateTime === 'string') parts.push('deceased');
  return parts.length ? { text: parts.join(', '), itemIds: [row.id] } : null;
}
