import { classById, ofClass, ofTopic, type Reader } from './gather.ts';
import type { Intent } from './question.ts';
import { byEncounter, costText, fhirId, groupedList, matchesTopic, nameOf, recordLine, seriesOf, seriesSection, visitLines, ymd, type ContextSection, type Rec } from './shape.ts';
import type { ClassId, Topic } from './vocabulary.ts';

/**
 * Structured retrieval: the sections a question's classes and topics call for, read from the
 * record's structure (kinds in SQL, codes, status and links from the decrypted content).
 * Free-text search (the word and vector rankers) is the retriever's, for what this does not cover.
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
/** Up to how many readings of one test a trend or "all my…" shows; older ones are counted. */
const ALL_READINGS = 150;
/** Visits shown for "when did I last…": the latest few. */
const LATEST_VISITS = 5;
const LIST_CLASSES: ClassId[] = ['medications', 'allergies', 'conditions', 'immunizations', 'procedures', 'careplans'];
/** The person's own notes and documents: free text, searched for every topic too. */
const NOTE_KINDS = ['note', 'document.*', 'fhir.DocumentReference'];
/** Kinds a topic of no particular class is looked for in ("have I had an echo?"). */
const CLINICAL_KINDS = ['fhir.Condition', 'fhir.Procedure', 'fhir.DiagnosticReport', 'fhir.Observation', 'fhir.Encounter', 'fhir.DocumentReference', 'fhir.ImagingStudy', 'fhir.MedicationRequest', 'fhir.MedicationStatement', 'fhir.Immunization', 'fhir.AllergyIntolerance', ...NOTE_KINDS];

const absence = (title: string, text: string): ContextSection => ({ kind: 'absence', title, lines: [{ text, itemIds: [] }] });
const inPeriod = (r: Reader) => (r.from || r.to ? ' for that period' : '');

export async function planSections(r: Reader, intent: Intent): Promise<Planned> {
  const out: Planned = { sections: [], absent: [], structured: false };
  // A measurement is a series unless the question asks for a list of something else
  // ("blood pressure medicine" is about medications).
  const measures = intent.topics.filter((t) => t.measure && !intent.classes.some((c) => LIST_CLASSES.includes(c)));
  const others = intent.topics.filter((t) => !measures.includes(t));
  const classes = new Set<ClassId>(intent.classes);
  // A topic that names no class asks for its own ("flu shot" → immunizations), unless it is a measure.
  if (!classes.size) for (const t of others) t.classes?.forEach((c) => classes.add(c));
  // "my blood pressure at my last appointment": the readings carry their dates; the visits are not asked for.
  if (measures.length) ['visits', 'labs', 'vitals'].forEach((c) => classes.delete(c as ClassId));
  // "my labs at my last checkup": the results of that visit; the visit itself only says when.
  const atVisit = (classes.has('labs') || classes.has('vitals')) && classes.has('visits') && !classes.has('billing');
  if (atVisit) classes.delete('visits');
  const loose = others.filter((t) => !t.classes?.length);
  // Words of no entry of ours ("ferritin", "metformin", "knee") are a topic of their own.
  const words = !measures.length && !others.length && intent.freeWords.length ? adhocTopic(intent.freeWords) : null;
  if (words) loose.push(words);
  // Each step writes its own part; the parts join in the order the steps were asked, whatever
  // order their statements finish in, so the same question always gets the same context.
  const jobs: Promise<void>[] = [];
  const parts: Planned[] = [];
  const part = (): Planned => {
    const p: Planned = { sections: [], absent: [], structured: false };
    parts.push(p);
    return p;
  };
  for (const t of measures) jobs.push(measureSections(r, t, intent, part()));
  const billing = classes.has('billing');
  const visitTopics = others.filter((t) => t.classes?.includes('visits'));
  if (classes.has('visits') || (billing && (intent.latest || visitTopics.length))) jobs.push(visitSections(r, intent, visitTopics, billing, part()));
  else if (billing) jobs.push(billingSection(r, intent, part()));
  for (const c of classes) {
    if (c === 'visits' || c === 'billing') continue;
    const own = others.filter((t) => t.classes?.includes(c));
    jobs.push(classSection(r, c, { ...intent, atVisit: atVisit && intent.latest }, own, intent.classes.length ? loose : [], part()));
  }
  // Topics of no class with no class asked (an echo, a diagnosis word): any clinical record about them.
  let wordsFound = false;
  if (words && !classes.size) jobs.push(wordSections(r, words, intent, part()).then((found) => void (wordsFound = found)));
  const named = loose.filter((t) => !t.adhoc);
  if (named.length && !classes.size) jobs.push(looseTopics(r, named, part()));
  await Promise.all(jobs);
  out.sections = parts.flatMap((p) => p.sections);
  out.absent = parts.flatMap((p) => p.absent);
  out.structured = measures.length > 0 || classes.size > 0 || named.length > 0 || wordsFound;
  return out;
}

async function measureSections(r: Reader, t: Topic, intent: Intent, out: Planned): Promise<void> {
  const all = intent.trend || intent.list;
  // One search of the words for readings, notes and wearable days (the newest of each kind).
  const found = (await ofTopic(r, t, ['fhir.Observation', ...NOTE_KINDS, 'wearable.*'], { limit: all ? 800 : 200 })).filter((x) => matchesTopic(x, t));
  const readings = found.filter((x) => x.kind === 'fhir.Observation');
  const days = found.filter((x) => x.kind.startsWith('wearable.')).slice(0, all ? 120 : 14);
  const notes = found.filter((x) => x.kind !== 'fhir.Observation' && !x.kind.startsWith('wearable.')).slice(0, 10);
  if (!readings.length && !notes.length && !days.length) {
    out.absent.push(`${t.words[0]} reading`);
    out.sections.push(absence(t.words[0], `No ${t.words[0]} readings${inPeriod(r)} are shared with the assistant.`));
    return;
  }
  // "Has my weight gone up over the past year?" compares with where it stood before the period.
  const before = intent.trend && r.from ? (await ofTopic({ ...r, from: undefined, to: r.from }, t, ['fhir.Observation'], { limit: 20 })).filter((x) => matchesTopic(x, t)) : [];
  for (const s of seriesOf(readings)) {
    const key = s.recs[0].facts?.codes.find((c) => c.startsWith('loinc:'));
    const baseline = before.find((b) => (key ? b.facts?.codes.includes(key) : nameOf(b) === s.name));
    const section = seriesSection(s.name, s.recs, { max: all ? ALL_READINGS : LATEST_READINGS });
    if (baseline) section.lines.push({ text: `${ymd(baseline.date)}: ${baseline.facts?.value || nameOf(baseline)} (the last reading before the period)`, itemIds: [baseline.id], required: true });
    out.sections.push(section);
  }
  if (days.length) out.sections.push({ kind: 'records', title: `Wearable days about ${t.words[0]}, newest first`, lines: days.map((x) => recordLine(x, 240)) });
  if (notes.length) out.sections.push({ kind: 'records', title: `Notes and documents about ${t.words[0]}, newest first`, lines: notes.map((x) => recordLine(x)) });
}

async function classSection(r: Reader, c: ClassId, intent: Intent & { atVisit?: boolean }, topics: Topic[], loose: Topic[], out: Planned): Promise<void> {
  const cls = classById.get(c)!;
  const lab = c === 'labs' || c === 'vitals';
  let recs = await ofClass(r, c, { limit: lab ? (intent.list || intent.trend ? 800 : 150) : c === 'documents' || c === 'wearables' ? 40 : 300 });
  if (c === 'wearables' && !recs.length) return;
  if (!recs.length) {
    out.absent.push(cls.noun);
    out.sections.push(absence(cls.noun, `No ${cls.noun} records${inPeriod(r)} are shared with the assistant.`));
    return;
  }
  const all = recs;
  if (intent.status === 'current') recs = recs.filter((x) => x.facts?.active !== false);
  else if (intent.status === 'past') recs = recs.filter((x) => x.facts?.active === false);
  let title = titleFor(c, intent);
  const about = [...topics, ...loose];
  if (about.length) {
    const names = about.map((t) => t.words[0]).join(', ');
    let matched = recs.filter((x) => about.some((t) => matchesTopic(x, t)));
    // "what was she given for her ear infection?": the records given for, or at the visits of, the topic's records.
    if (!matched.length && loose.length) matched = await linkedTo(r, loose, recs);
    if (matched.length) {
      recs = matched;
      title = `${title} about ${names}`;
    } else if (about.some((t) => !t.adhoc)) out.sections.push(absence(names, `No ${names} record is among the shared ${cls.noun} records; all of them follow.`));
  }
  if (!recs.length) {
    out.sections.push(absence(title, `None of the shared ${cls.noun} records is ${intent.status === 'past' ? 'stopped or resolved' : 'current'}; all of them follow.`));
    recs = all;
    title = titleFor(c, { ...intent, status: undefined });
  }
  if (lab) return labSections(recs, title, intent, out);
  if (c === 'documents' || c === 'wearables' || c === 'careplans') {
    // Free text matters here (a plan's activities, a letter's words): whole records, shortened.
    out.sections.push({ kind: 'records', title, lines: recs.slice(0, intent.latest ? 5 : 20).map((x) => recordLine(x, c === 'wearables' ? 240 : 600)) });
    return;
  }
  const each = c === 'immunizations' || c === 'procedures';
  let lines = groupedList(recs, { dates: each ? 'each' : 'span' });
  if (intent.latest && !intent.list && each && !about.length) lines = lines.slice(0, 5);
  out.sections.push({ kind: 'list', title, lines });
}

/** Records given for the topic's records (reasonReference), or at their encounters or on their days. */
async function linkedTo(r: Reader, topics: Topic[], recs: Rec[]): Promise<Rec[]> {
  const anchors = (await Promise.all(topics.map((t) => ofTopic({ ...r, from: undefined, to: undefined }, t, CLINICAL_KINDS, { limit: 60 }).then((xs) => xs.filter((x) => matchesTopic(x, t)))))).flat();
  const ids = new Set(anchors.map(fhirId));
  const visits = new Set(anchors.map((a) => (a.kind === 'fhir.Encounter' ? fhirId(a) : a.facts?.encounterRef)).filter(Boolean));
  const days = new Set(anchors.map((a) => ymd(a.date)));
  return recs.filter((x) => x.facts?.reasons.some((id) => ids.has(id)) || (x.facts?.encounterRef && visits.has(x.facts.encounterRef)) || days.has(ymd(x.date)));
}

/**
 * Lab results or vital signs: every reading of each test for "all"/trends; those of the latest
 * visit for "at my last visit"; else the latest two of each test.
 */
function labSections(recs: Rec[], title: string, intent: Intent & { atVisit?: boolean }, out: Planned): void {
  let obs = recs.filter((x) => x.kind === 'fhir.Observation');
  if (intent.atVisit && obs.length) {
    const newest = obs.reduce((a, b) => ((b.date?.getTime() ?? 0) > (a.date?.getTime() ?? 0) ? b : a));
    obs = obs.filter((x) => (newest.facts?.encounterRef ? x.facts?.encounterRef === newest.facts.encounterRef : ymd(x.date) === ymd(newest.date)));
    out.sections.push({ kind: 'list', title: `${title} of the latest visit with results (${ymd(newest.date)})`, lines: obs.map((x) => ({ text: `${nameOf(x)}: ${x.facts?.value || '(no value)'}${x.facts?.range ? ` (reference range ${x.facts.range})` : ''}`, itemIds: [x.id], required: true })) });
    return;
  }
  const series = seriesOf(obs).sort((a, b) => (b.recs[0].date?.getTime() ?? 0) - (a.recs[0].date?.getTime() ?? 0));
  if (intent.list || intent.trend) {
    for (const s of series) out.sections.push(seriesSection(s.name, s.recs, { max: ALL_READINGS }));
    return;
  }
  const lines = series.slice(0, 25).map((s) => ({
    text: `${s.name}: ${s.recs[0].facts?.value || '(no value)'} on ${ymd(s.recs[0].date)}${s.recs[1] ? `; before: ${s.recs[1].facts?.value ?? ''} on ${ymd(s.recs[1].date)}` : ''}`,
    itemIds: s.recs.slice(0, 2).map((x) => x.id),
    required: true,
  }));
  out.sections.push({ kind: 'list', title: `${title} (latest of each test)`, lines });
}

function titleFor(c: ClassId, intent: Intent): string {
  const cls = classById.get(c)!;
  const status = intent.status === 'current' ? 'current ' : intent.status === 'past' ? 'past ' : '';
  return `${status}${cls.noun} records${c === 'immunizations' || c === 'procedures' ? ' (each date listed, newest first)' : ''}`.replace(/^./, (m) => m.toUpperCase());
}

async function visitSections(r: Reader, intent: Intent, topics: Topic[], billing: boolean, out: Planned): Promise<void> {
  const wantAll = intent.list || intent.trend || !!r.from || !!r.to;
  const limit = wantAll ? 200 : 60;
  const [visits, bills] = await Promise.all([ofClass(r, 'visits', { limit }), billing ? ofClass(r, 'billing', { limit: limit * 2 }) : Promise.resolve([])]);
  if (!visits.length) {
    out.absent.push('visit');
    out.sections.push(absence('visits', `No visit records${inPeriod(r)} are shared with the assistant.`));
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
    } else out.sections.push(absence(about, `No ${about} visit is among the shared visit records; the most recent visits follow.`));
  }
  // "How much did my last visit cost?" is about one visit; "when did I last see a doctor?" shows a few.
  const count = wantAll ? 60 : billing ? 1 : LATEST_VISITS;
  const picked = shown.slice(0, count);
  const diagnoses = picked.length <= 10 && !billing ? byEncounter(await ofClass({ ...r, from: undefined, to: undefined }, 'conditions', { limit: 300 })) : undefined;
  const lines = visitLines(picked, billing ? byEncounter(bills) : null, diagnoses);
  if (shown.length > count && wantAll) lines.push({ text: `(${shown.length - count} older visits not shown)`, itemIds: [] });
  out.sections.push({ kind: billing ? 'billing' : 'visits', title: billing ? `${title}, with their billing` : title, lines });
}

async function billingSection(r: Reader, intent: Intent, out: Planned): Promise<void> {
  const bills = await ofClass(r, 'billing', { limit: 200 });
  if (!bills.length) {
    out.absent.push('billing');
    out.sections.push(absence('billing', 'No billing or insurance records are shared with the assistant.'));
    return;
  }
  const groups = byEncounter(bills);
  const done = new Set<string>();
  const lines = [];
  for (const b of bills) {
    if (done.has(b.id)) continue;
    const group = (b.facts?.encounterRef && groups.get(b.facts.encounterRef)) || [b];
    group.forEach((x) => done.add(x.id));
    lines.push({ text: `${ymd(b.date)} ${b.facts?.name || b.title}: ${costText(group)}`, itemIds: group.map((x) => x.id), required: true });
  }
  out.sections.push({ kind: 'billing', title: 'Billing and insurance, newest first', lines: lines.slice(0, intent.latest && !intent.list ? 3 : 60) });
}

async function looseTopics(r: Reader, topics: Topic[], out: Planned): Promise<void> {
  for (const t of topics) {
    const recs = (await ofTopic(r, t, CLINICAL_KINDS, { limit: 60 })).filter((x) => matchesTopic(x, t));
    const about = t.words[0];
    if (!recs.length) {
      out.absent.push(`${about} record`);
      out.sections.push(absence(about, `No records about ${about}${inPeriod(r)} are shared with the assistant.`));
      continue;
    }
    out.sections.push({ kind: 'records', title: `Records about ${about}, newest first`, lines: recs.slice(0, 20).map((x) => recordLine(x)) });
  }
}

/**
 * "What happened in 2014?": the period's visits (with what was diagnosed), new problems,
 * medications, vaccines, procedures and the latest of each test, skipping what the period lacks.
 */
export async function periodDigest(r: Reader): Promise<ContextSection[]> {
  const [visits, conditions, meds, shots, procedures, labs, notes] = await Promise.all([
    ofClass(r, 'visits', { limit: 60 }),
    ofClass(r, 'conditions', { limit: 100 }),
    ofClass(r, 'medications', { limit: 100 }),
    ofClass(r, 'immunizations', { limit: 60 }),
    ofClass(r, 'procedures', { limit: 60 }),
    ofClass(r, 'labs', { limit: 150 }),
    ofClass(r, 'documents', { limit: 10 }),
  ]);
  const out: ContextSection[] = [];
  if (visits.length) out.push({ kind: 'visits', title: 'Visits in the period, newest first', lines: visitLines(visits.slice(0, 30), null, byEncounter(conditions)) });
  if (conditions.length) out.push({ kind: 'list', title: 'Problems recorded in the period', lines: groupedList(conditions) });
  if (meds.length) out.push({ kind: 'list', title: 'Medications ordered in the period', lines: groupedList(meds) });
  if (shots.length) out.push({ kind: 'list', title: 'Immunizations in the period', lines: groupedList(shots, { dates: 'each' }) });
  if (procedures.length) out.push({ kind: 'list', title: 'Procedures in the period', lines: groupedList(procedures, { dates: 'each' }) });
  const tests = seriesOf(labs.filter((x) => x.kind === 'fhir.Observation')).slice(0, 20);
  if (tests.length) out.push({ kind: 'list', title: 'Lab results in the period (latest of each test)', lines: tests.map((s) => ({ text: `${s.name}: ${s.recs[0].facts?.value || '(no value)'} on ${ymd(s.recs[0].date)}`, itemIds: [s.recs[0].id] })) });
  if (notes.length) out.push({ kind: 'records', title: 'Notes and documents in the period', lines: notes.map((x) => recordLine(x, 240)) });
  return out;
}

/** A topic made of the question's own words. */
export function adhocTopic(words: string[]): Topic {
  const w = words.filter((x) => x.length > 2 && !/^\d+$/.test(x));
  return { id: 'words', words: w, display: w, adhoc: true };
}

/**
 * Records of any clinical kind whose names hold the question's own words, shaped by kind:
 * readings as series, medications, problems, vaccines and procedures as lists, visits, the rest
 * as records. Nothing found is not said: free-text search (and the vector) get their turn.
 */
async function wordSections(r: Reader, t: Topic, intent: Intent, out: Planned): Promise<boolean> {
  if (!t.words.length) return false;
  const recs = (await ofTopic(r, t, CLINICAL_KINDS, { limit: 100 })).filter((x) => matchesTopic(x, t));
  if (!recs.length) return false;
  const about = t.words.join(' ');
  const of = (kinds: string[]) => recs.filter((x) => kinds.includes(x.kind));
  const readings = of(['fhir.Observation']);
  for (const s of seriesOf(readings)) out.sections.push(seriesSection(s.name, s.recs, { max: intent.trend || intent.list ? ALL_READINGS : LATEST_READINGS }));
  for (const c of ['conditions', 'medications', 'allergies', 'immunizations', 'procedures'] as ClassId[]) {
    const xs = of(classById.get(c)!.kinds);
    if (xs.length) out.sections.push({ kind: 'list', title: `${titleFor(c, intent)} about ${about}`, lines: groupedList(xs, { dates: c === 'immunizations' || c === 'procedures' ? 'each' : 'span' }) });
  }
  const visits = of(['fhir.Encounter']);
  if (visits.length) out.sections.push({ kind: 'visits', title: `Visits about ${about}, newest first`, lines: visitLines(visits.slice(0, 10), null) });
  const listed = new Set(['fhir.Observation', 'fhir.Encounter', ...(['conditions', 'medications', 'allergies', 'immunizations', 'procedures'] as ClassId[]).flatMap((c) => classById.get(c)!.kinds)]);
  const rest = recs.filter((x) => !listed.has(x.kind)).slice(0, 12);
  if (rest.length) out.sections.push({ kind: 'records', title: `Other records about ${about}, newest first`, lines: rest.map((x) => recordLine(x)) });
  return true;
}
