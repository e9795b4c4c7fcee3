import { classById, ofClass, ofTopic, type Reader } from './gather.ts';
import type { Intent } from './question.ts';
import { billingByEncounter, costText, groupedList, matchesTopic, recordLine, seriesOf, seriesSection, visitLines, ymd, type ContextSection, type Rec } from './shape.ts';
import type { ClassId, Topic } from './vocabulary.ts';

/**
 * Structured retrieval: the sections a question's classes and topics call for, read from the
 * record's structure (kinds in SQL, codes and status from the decrypted content). Free-text
 * search (the word and vector rankers) is the retriever's, for what this does not cover.
 */
export interface Planned {
  sections: ContextSection[];
  /** Nouns of asked-for classes with no readable record at all ("allergy"). */
  absent: string[];
  /** Whether the question was understood structurally (else free-text search answers it). */
  structured: boolean;
}

/** Readings shown for "latest" questions: the newest and a few before it ("and the one before?"). */
const LATEST_READINGS = 4;
/** Up to how many readings a trend shows in full; older ones are counted. */
const TREND_READINGS = 150;
const LIST_CLASSES: ClassId[] = ['medications', 'allergies', 'conditions', 'immunizations', 'procedures', 'careplans'];

export async function planSections(r: Reader, intent: Intent): Promise<Planned> {
  const out: Planned = { sections: [], absent: [], structured: false };
  // A measurement is a series unless the question asks for a list of something else
  // ("blood pressure medicine" is about medications).
  const measures = intent.topics.filter((t) => t.measure && !intent.classes.some((c) => LIST_CLASSES.includes(c)));
  const others = intent.topics.filter((t) => !measures.includes(t));
  const classes = new Set<ClassId>(intent.classes);
  // A topic that names no class asks for its own ("flu shot" → immunizations), unless it is a measure.
  if (!classes.size) for (const t of others) t.classes?.forEach((c) => classes.add(c));
  const jobs: Promise<void>[] = [];
  for (const t of measures) jobs.push(measureSections(r, t, intent, out));
  const billing = classes.has('billing');
  const visits = classes.has('visits') || (billing && (intent.latest || others.some((t) => t.classes?.includes('visits'))));
  if (visits) jobs.push(visitSections(r, intent, others.filter((t) => t.classes?.includes('visits')), billing, out));
  else if (billing) jobs.push(billingSection(r, intent, out));
  for (const c of classes) {
    if (c === 'visits' || c === 'billing') continue;
    if ((c === 'labs' || c === 'vitals') && measures.length) continue;
    jobs.push(classSection(r, c, intent, others.filter((t) => !t.classes || t.classes.includes(c)), out));
  }
  // Topics of no class (an echo, a diagnosis word): any clinical record about them, newest first.
  const loose = intent.classes.length ? [] : others.filter((t) => !t.classes?.length);
  if (loose.length) jobs.push(looseTopics(r, loose, out));
  await Promise.all(jobs);
  out.structured = measures.length > 0 || classes.size > 0 || loose.length > 0;
  return out;
}

async function measureSections(r: Reader, t: Topic, intent: Intent, out: Planned): Promise<void> {
  const trend = intent.trend;
  const recs = (await ofTopic(r, t, ['fhir.Observation'], { limit: trend ? 600 : 200 })).filter((x) => matchesTopic(x, t));
  if (!recs.length) {
    const period = r.from || r.to ? ' for that period' : '';
    out.absent.push(`${t.words[0]} reading`);
    out.sections.push({ kind: 'absence', title: t.words[0], lines: [{ text: `No ${t.words[0]} readings${period} are shared with the assistant.`, itemIds: [] }] });
    return;
  }
  for (const s of seriesOf(recs)) {
    out.sections.push(seriesSection(s.name, s.recs, { max: trend ? TREND_READINGS : LATEST_READINGS }));
  }
}

async function classSection(r: Reader, c: ClassId, intent: Intent, topics: Topic[], out: Planned): Promise<void> {
  const cls = classById.get(c)!;
  const lab = c === 'labs' || c === 'vitals';
  let recs = await ofClass(r, c, { limit: lab ? 120 : c === 'documents' || c === 'wearables' ? 40 : 300 });
  if (c === 'wearables' && !recs.length) return;
  if (!recs.length) {
    out.absent.push(cls.noun);
    out.sections.push({ kind: 'absence', title: cls.noun, lines: [{ text: `No ${cls.noun} records${r.from || r.to ? ' for that period' : ''} are shared with the assistant.`, itemIds: [] }] });
    return;
  }
  const all = recs;
  if (intent.status === 'current') recs = recs.filter((x) => x.facts?.active !== false);
  else if (intent.status === 'past') recs = recs.filter((x) => x.facts?.active === false);
  let title = titleFor(c, intent);
  if (topics.length) {
    const matched = recs.filter((x) => topics.some((t) => matchesTopic(x, t)));
    const about = topics.map((t) => t.words[0]).join(', ');
    if (matched.length) {
      recs = matched;
      title = `${title} about ${about}`;
    } else {
      out.sections.push({ kind: 'absence', title: about, lines: [{ text: `No ${about} record is among the shared ${cls.noun} records; all of them follow.`, itemIds: [] }] });
    }
  }
  if (!recs.length && all.length) {
    out.sections.push({ kind: 'absence', title, lines: [{ text: `None of the shared ${cls.noun} records is ${intent.status === 'past' ? 'stopped or resolved' : 'current'}; all of them follow.`, itemIds: [] }] });
    recs = all;
  }
  if (lab) {
    // Latest results of each test, the newest tests first.
    const series = seriesOf(recs.filter((x) => x.kind === 'fhir.Observation')).sort((a, b) => (b.recs[0].date?.getTime() ?? 0) - (a.recs[0].date?.getTime() ?? 0));
    const lines = series.slice(0, 25).map((s) => ({ text: `${s.name}: ${s.recs[0].facts?.value || '(no value)'} on ${ymd(s.recs[0].date)}${s.recs[1] ? `; before: ${s.recs[1].facts?.value ?? ''} on ${ymd(s.recs[1].date)}` : ''}`, itemIds: s.recs.slice(0, 2).map((x) => x.id), required: true }));
    out.sections.push({ kind: 'list', title: `${title} (latest of each test)`, lines });
    return;
  }
  if (c === 'documents' || c === 'wearables') {
    out.sections.push({ kind: 'records', title, lines: recs.slice(0, intent.latest ? 5 : 20).map((x) => recordLine(x, c === 'documents' ? 600 : 240)) });
    return;
  }
  const each = c === 'immunizations' || c === 'procedures';
  let lines = groupedList(recs, { dates: each ? 'each' : 'span' });
  if (intent.latest && !intent.list && each) lines = lines.slice(0, 5);
  out.sections.push({ kind: 'list', title, lines });
}

function titleFor(c: ClassId, intent: Intent): string {
  const cls = classById.get(c)!;
  const status = intent.status === 'current' ? 'current ' : intent.status === 'past' ? 'past ' : '';
  return `${status}${cls.noun} records${c === 'immunizations' || c === 'procedures' ? ' (each date listed, newest first)' : ''}`.replace(/^./, (m) => m.toUpperCase());
}

async function visitSections(r: Reader, intent: Intent, topics: Topic[], billing: boolean, out: Planned): Promise<void> {
  const wantAll = intent.list || intent.trend || !!r.from || !!r.to;
  const limit = wantAll ? 200 : 40;
  const [visits, bills] = await Promise.all([ofClass(r, 'visits', { limit }), billing ? ofClass(r, 'billing', { limit: limit * 2 }) : Promise.resolve([])]);
  if (!visits.length) {
    out.absent.push('visit');
    out.sections.push({ kind: 'absence', title: 'visits', lines: [{ text: `No visit records${r.from || r.to ? ' for that period' : ''} are shared with the assistant.`, itemIds: [] }] });
    return;
  }
  let shown = visits;
  let title = 'Visits, newest first';
  if (topics.length) {
    const matched = visits.filter((v) => topics.some((t) => matchesTopic(v, t)));
    const about = topics.map((t) => t.words[0]).join(', ');
    if (matched.length) {
      shown = matched;
      title = `Visits (${about}), newest first`;
    } else out.sections.push({ kind: 'absence', title: about, lines: [{ text: `No ${about} visit is among the shared visit records; the most recent visits follow.`, itemIds: [] }] });
  }
  const byVisit = billing ? billingByEncounter(bills) : null;
  const lines = visitLines(shown.slice(0, wantAll ? 60 : 5), byVisit);
  if (shown.length > 60 && wantAll) lines.push({ text: `(${shown.length - 60} older visits not shown)`, itemIds: [] });
  out.sections.push({ kind: billing ? 'billing' : 'visits', title: billing ? `${title}, with their billing` : title, lines });
}

async function billingSection(r: Reader, intent: Intent, out: Planned): Promise<void> {
  const bills = await ofClass(r, 'billing', { limit: 200 });
  if (!bills.length) {
    out.absent.push('billing');
    out.sections.push({ kind: 'absence', title: 'billing', lines: [{ text: 'No billing or insurance records are shared with the assistant.', itemIds: [] }] });
    return;
  }
  const byVisit = billingByEncounter(bills);
  const grouped = new Set<string>();
  const lines = [];
  for (const b of bills) {
    if (grouped.has(b.id)) continue;
    const key = [...byVisit].find(([, g]) => g.some((x) => x.id === b.id));
    const group = key ? key[1] : [b];
    group.forEach((x) => grouped.add(x.id));
    lines.push({ text: `${ymd(b.date)} ${b.facts?.name || b.title}: ${costText(group)}`, itemIds: group.map((x) => x.id), required: true });
  }
  out.sections.push({ kind: 'billing', title: 'Billing and insurance, newest first', lines: lines.slice(0, intent.latest && !intent.list ? 5 : 60) });
}

async function looseTopics(r: Reader, topics: Topic[], out: Planned): Promise<void> {
  const kinds = ['fhir.Procedure', 'fhir.DiagnosticReport', 'fhir.Observation', 'fhir.Condition', 'fhir.Encounter', 'fhir.DocumentReference', 'fhir.ImagingStudy', 'fhir.MedicationRequest', 'fhir.MedicationStatement', 'fhir.Immunization', 'note', 'document.pdf', 'document.image', 'document.ccda'];
  for (const t of topics) {
    const recs = (await ofTopic(r, t, kinds, { limit: 60 })).filter((x) => matchesTopic(x, t));
    const about = t.words[0];
    if (!recs.length) {
      out.absent.push(`${about} record`);
      out.sections.push({ kind: 'absence', title: about, lines: [{ text: `No records about ${about} are shared with the assistant.`, itemIds: [] }] });
      continue;
    }
    out.sections.push({ kind: 'records', title: `Records about ${about}, newest first`, lines: recs.slice(0, 20).map((x: Rec) => recordLine(x)) });
  }
}
