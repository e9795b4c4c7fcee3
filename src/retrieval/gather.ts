import { isObj, type Json } from '../connectors/fhir/map/datatypes.ts';
import * as repo from '../db/retrieval.ts';
import type { Db } from '../db/types.ts';
import type { UserKeys } from '../vault/crypto.ts';
import { blindTsquery } from '../vault/blind-index.ts';
import { recordFacts } from './record-facts.ts';
import type { Redactor } from './redact.ts';
import type { Rec } from './shape.ts';
import type { QuestionStemmer } from './stems.ts';
import { CLASSES, type ClassId, type Topic } from './vocabulary.ts';

/** What one question's context is read with: the user's keys, redactor and stemmer, and its period. */
export interface Reader {
  db: Db;
  userId: string;
  keys: UserKeys;
  redactor: Redactor;
  stemmer: QuestionStemmer;
  from?: Date;
  to?: Date;
  /** Every record opened for this question, by id (what the context event and disclosure name). */
  seen: Map<string, Rec>;
}

export const classById = new Map(CLASSES.map((c) => [c.id, c]));

/** Turns sealed rows into readable, redacted records with their structure read from the content. */
export function open(r: Reader, rows: repo.KindRow[]): Rec[] {
  const out: Rec[] = [];
  for (const row of rows) {
    const content = r.keys.decryptJson<unknown>('content', row.content_enc);
    const resource = isObj(content) && typeof content.resourceType === 'string' ? (content as Json) : undefined;
    const facts = resource ? recordFacts(resource, { medicationName: containedMedication(resource) }) : undefined;
    if (facts?.void) continue;
    if (facts) {
      facts.name = r.redactor.redact(facts.name);
      if (facts.value) facts.value = r.redactor.redact(facts.value);
    }
    const rec: Rec = {
      id: row.id,
      kind: row.kind,
      source: row.source,
      sourceId: resource && typeof resource.id === 'string' ? `${resource.resourceType}/${resource.id}` : null,
      date: row.effective_at ? new Date(row.effective_at) : null,
      title: r.redactor.redact(r.keys.decryptText('title', row.title_enc) ?? ''),
      text: r.redactor.redact(r.keys.decryptText('text', row.text_enc) ?? ''),
      categories: row.categories ?? [],
      facts,
    };
    r.seen.set(rec.id, rec);
    out.push(rec);
  }
  return out;
}

/** The name of a medication given as a contained resource (`#med1`). */
function containedMedication(r: Json): string | undefined {
  const ref = isObj(r.medicationReference) ? r.medicationReference.reference : undefined;
  if (typeof ref !== 'string' || !ref.startsWith('#')) return undefined;
  const med = (Array.isArray(r.contained) ? r.contained : []).find((c) => isObj(c) && c.id === ref.slice(1));
  const code = isObj(med) && isObj(med.code) ? med.code : undefined;
  if (!code) return undefined;
  if (typeof code.text === 'string') return code.text;
  const coding = Array.isArray(code.coding) ? code.coding.find((c) => isObj(c) && typeof c.display === 'string') : undefined;
  return isObj(coding) ? String(coding.display) : undefined;
}

/** The newest readable records of a class (within the period unless `allTime`). */
export async function ofClass(r: Reader, id: ClassId, opts: { limit: number; allTime?: boolean; tsquery?: string | null }): Promise<Rec[]> {
  const cls = classById.get(id)!;
  const period = opts.allTime ? {} : { from: r.from, to: r.to };
  const rows = await repo.readableOfKinds(r.db, { userId: r.userId, kinds: cls.kinds, categories: cls.categories, tsquery: opts.tsquery, limit: opts.limit, ...period });
  return open(r, rows);
}

/** Readable records of some kinds whose words match a topic (its names, display words, codes). */
export async function ofTopic(r: Reader, topic: Topic, kinds: string[], opts: { limit: number; categories?: string[] }): Promise<Rec[]> {
  const tsquery = await topicQuery(r, topic);
  if (!tsquery) return [];
  const rows = await repo.readableOfKinds(r.db, { userId: r.userId, kinds, categories: opts.categories, tsquery, limit: opts.limit, from: r.from, to: r.to });
  return open(r, rows);
}

const LABELS: Record<string, string> = { loinc: 'LOINC', snomed: 'SNOMED', rxnorm: 'RxNorm', cvx: 'CVX' };

/** A blinded tsquery for a topic: any of its phrases, or its codes as the importers write them ("LOINC 4548-4"). */
export async function topicQuery(r: Reader, topic: Topic): Promise<string | null> {
  const codes = (topic.codes ?? []).map((c) => c.split(':')).filter(([s]) => LABELS[s]).map(([s, c]) => `${LABELS[s]} ${c}`);
  const phrases = [...new Set([...topic.display, ...topic.words.filter((w) => w.length > 2), ...codes])];
  const terms = await r.stemmer.terms('', phrases);
  const parts = terms.codePhrases.filter(Boolean).map((p) => `(${p})`);
  return parts.length ? blindTsquery(r.keys, parts.join(' | ')) : null;
}
