import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import * as repo from '../db/retrieval.ts';
import type { KeyService } from '../vault/keys.ts';
import type { UserKeys } from '../vault/crypto.ts';
import { blindTsquery } from '../vault/blind-index.ts';
import { expandClinicalTerms } from './clinical-terms.ts';
import type { TimeFilter } from './time-filter.ts';
import { Redactor, factsFromResources } from './redact.ts';
import type { HistoryTurn } from './prompt.ts';
import { QuestionStemmer } from './stems.ts';
import { setBounded } from '../lib/bounded-map.ts';
import { hasSubject, resolveFollowUp, understand, type Intent } from './question.ts';
import { classById, open, type Reader } from './gather.ts';
import { overviewSections } from './overview.ts';
import { periodDigest, planSections } from './plan.ts';
import { recordLine, type ContextSection, type Rec } from './shape.ts';

export interface RetrievalResult {
  sections: ContextSection[];
  /** Every record a section cites, by id. */
  records: Map<string, Rec>;
  /** The records the sections cite, in the order they cite them (before the token budget). */
  items: Rec[];
  /** Nouns of the asked-for classes that have no AI-readable record ("allergy"). */
  absent: string[];
  filter: TimeFilter;
  intent: Intent;
  mode: 'overview' | 'structured' | 'hybrid' | 'lexical' | 'recent' | 'none';
}

export interface RetrieverOptions {
  /** pgvector present: vector search joins lexical search. */
  vector: boolean;
  embedModel: string;
  /** How many free-text matches may reach the prompt builder (the token budget decides how many fit). */
  maxItems?: number;
  /** Cosine similarity a vector-only candidate needs (see MIN_VECTOR_SIMILARITY). */
  minVectorSimilarity?: number;
  /** Up to how many items in the database the statement runs on a reused plan (SMALL_DATABASE_ITEMS). */
  smallDatabaseItems?: number;
}

export interface RetrieveOptions {
  /** The conversation so far (follow-ups are read against its questions). */
  history?: HistoryTurn[];
  /** Embeds text for the vector ranker; called only when free-text search runs. */
  embed?: (text: string) => Promise<number[] | null>;
  now?: Date;
}

/**
 * The nearest neighbours of any question exist, even of "hello"; without a floor every question
 * would disclose a full context of records. 0.5 is the usual cut-off for general-purpose text
 * embedding models such as nomic-embed-text: texts on the same topic sit well above it (0.6-0.8),
 * unrelated ones mostly at 0.2-0.45. Items the words matched qualify whatever their similarity,
 * so the floor only removes neighbours nothing but the vector suggested. It errs towards
 * disclosing less: a missed vector-only hit costs a less complete answer, a spurious one a record.
 */
export const MIN_VECTOR_SIMILARITY = 0.5;

/**
 * Up to this many items in the whole database, the retrieval statement runs on a generic plan
 * (planned once per connection) instead of being planned again for every question. Measured
 * (bench/chat.bench.ts's questions, one user, interleaved): 200 items 4.6 → 2.5 ms a question,
 * 1,000 items 6.0 → 4.3 ms, 5,000 items 8.6 → 7.8 ms but a worse p95, 20,000 items 8.9 → 24 ms:
 * past a few thousand items a plan that cannot see how selective the words and dates are loses
 * far more than planning costs. The whole table counts, not the user's share: a generic plan
 * reads the table's statistics, not the user's.
 */
export const SMALL_DATABASE_ITEMS = 2000;

const IDENTITY_KINDS = ['fhir.Patient', 'fhir.RelatedPerson', 'fhir.Practitioner', 'fhir.PractitionerRole'];
const BILLING_KINDS = new Set(classById.get('billing')!.kinds);
/** Kinds that are about the person, not their health: never free-text context. */
const NOT_CONTEXT = new Set(['fhir.Practitioner', 'fhir.PractitionerRole', 'fhir.Organization', 'fhir.Location', 'fhir.RelatedPerson', 'fhir.Patient']);

function withItems(r: RetrievalResult): RetrievalResult {
  const ids = new Set(r.sections.flatMap((s) => s.lines.flatMap((l) => l.itemIds)));
  r.items = [...ids].map((id) => r.records.get(id)).filter((x): x is Rec => !!x);
  return r;
}

/**
 * Permission-cleared retrieval (DESIGN.md invariants 1-3, 5), one entry point: `retrieve()` reads
 * the question (and the conversation, for follow-ups), takes structured questions from the
 * record's structure (kinds, codes, status, dates) and the rest from free-text search, all from
 * SQL that filters on the item's effective permission for this user. Found items are decrypted
 * and redacted here; nothing else reaches the prompt.
 */
export class Retriever {
  private readonly redactors = new Map<string, { r: Redactor; at: number }>();
  private readonly stemmer: QuestionStemmer;
  /** Whether the database is small (SMALL_DATABASE_ITEMS), and when that was counted. */
  private small: { value: Promise<boolean>; at: number } | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly keys: KeyService,
    private readonly opts: RetrieverOptions,
  ) {
    this.stemmer = new QuestionStemmer(db);
  }

  get vectorEnabled(): boolean {
    return this.opts.vector;
  }

  async retrieve(userId: string, question: string, opts: RetrieveOptions = {}): Promise<RetrievalResult> {
    const now = opts.now ?? new Date();
    const earlier = (opts.history ?? [])
      .filter((t) => t.role === 'user')
      .slice(-6)
      .reverse()
      .map((t) => understand(t.content, now));
    const intent = resolveFollowUp(understand(question, now), earlier);
    const keys = await this.keys.forUser(userId);
    const redactor = await this.redactorFor(userId, keys);
    const records = new Map<string, Rec>();
    const reader: Reader = { db: this.db, userId, keys, redactor, stemmer: this.stemmer, from: intent.filter.from, to: intent.filter.to, seen: records };
    const result: RetrievalResult = { sections: [], records, items: [], absent: [], filter: intent.filter, intent, mode: 'none' };
    if (intent.overview) {
      result.sections = await overviewSections(reader, now);
      result.mode = 'overview';
      return withItems(result);
    }
    const planned = await planSections(reader, intent);
    result.sections = planned.sections;
    result.absent = planned.absent;
    if (planned.structured) result.mode = 'structured';
    const found = planned.sections.some((s) => s.lines.some((l) => l.itemIds.length));
    if (!planned.structured || !found) {
      // Nothing structured was found: the words (and the topics' own words) search everything.
      const words = [...intent.freeWords, ...(found ? [] : intent.topics.flatMap((t) => t.words.slice(0, 3)))];
      // A structured question that found nothing (an absence) is searched by its words only: its
      // absence notice stands unless the words themselves match something.
      const free = planned.structured && !words.length ? { recs: [], mode: 'lexical' as const } : await this.freeText(reader, intent, words, opts.embed);
      if (free.recs.length) {
        result.sections.push({ kind: 'records', title: 'Records matching the question', lines: free.recs.map((r) => recordLine(r)) });
        result.mode = free.mode;
      } else if (!planned.structured && !hasSubject(intent) && (intent.filter.from || intent.filter.to) && (result.sections = await periodDigest(reader)).length) {
        result.mode = 'structured';
      } else if (!planned.structured && !hasSubject(intent) && (intent.filter.from || intent.filter.to || intent.latest)) {
        // "What happened last month?", "anything new?": the most recent records stand in.
        const rows = await repo.recentReadable(this.db, { userId, from: intent.filter.from, to: intent.filter.to, limit: 40 });
        const recs = open(reader, rows.map((r) => ({ ...r, content_enc: null, categories: [] }))).filter((r) => !BILLING_KINDS.has(r.kind) && !NOT_CONTEXT.has(r.kind)).slice(0, 12);
        if (recs.length) {
          result.sections.push({ kind: 'records', title: 'Most recent records, newest first', lines: recs.map((r) => recordLine(r)) });
          result.mode = 'recent';
        }
      }
    }
    return withItems(result);
  }

  /** Word and vector rankers over every readable item; billing only when the question is about costs. */
  private async freeText(r: Reader, intent: Intent, freeWords: string[], embed?: RetrieveOptions['embed']): Promise<{ recs: Rec[]; mode: 'hybrid' | 'lexical' }> {
    const words = [...new Set(freeWords)].join(' ');
    // Stop words alone can still be close in meaning to a record (the vector floor decides).
    if (!words && !(this.opts.vector && embed && intent.searchText.trim())) return { recs: [], mode: 'lexical' };
    const expansion = expandClinicalTerms(words);
    const [terms, queryVector] = await Promise.all([
      words ? this.stemmer.terms([words, ...expansion.words].join(' '), expansion.codes) : Promise.resolve({ lexemes: [], codePhrases: [] }),
      this.opts.vector && embed ? embed(intent.searchText).catch(() => null) : Promise.resolve(null),
    ]);
    const lexemes = [...new Set(terms.lexemes)].map((l) => `'${l.replace(/'/g, "''")}'`);
    const parts = lexemes.concat(terms.codePhrases.map((p) => `(${p})`));
    const tsquery = parts.length ? blindTsquery(r.keys, parts.join(' | ')) : null;
    const tsqueryAll = lexemes.length > 1 ? blindTsquery(r.keys, lexemes.join(' & ')) : null;
    const vector = this.opts.vector && queryVector?.length ? { values: queryVector, model: this.opts.embedModel } : null;
    if (!tsquery && !vector) return { recs: [], mode: 'lexical' };
    const limit = this.opts.maxItems ?? 24;
    const maxVectorDistance = 1 - (this.opts.minVectorSimilarity ?? MIN_VECTOR_SIMILARITY);
    const genericPlan = await this.smallDatabase();
    // Connections run with hnsw.iterative_scan = relaxed_order (src/db/connect.ts).
    const candidates = await repo.hybridSearch(this.db, { userId: r.userId, tsquery, tsqueryAll, vector, maxVectorDistance, from: r.from, to: r.to, perRanker: 40, limit, genericPlan });
    const billing = intent.classes.includes('billing');
    const kept = candidates.filter((c) => (billing || !BILLING_KINDS.has(c.kind)) && !NOT_CONTEXT.has(c.kind));
    const recs = open(r, kept.map((c) => ({ ...c, content_enc: null, categories: [] }))).slice(0, 12);
    if (intent.latest) recs.sort((a, b) => (b.date?.getTime() ?? 0) - (a.date?.getTime() ?? 0));
    return { recs, mode: vector ? 'hybrid' : 'lexical' };
  }

  /** Counted at most every 30 s (reading at most SMALL_DATABASE_ITEMS + 1 rows); a failed count says "not small". */
  private smallDatabase(): Promise<boolean> {
    if (!this.small || Date.now() - this.small.at > 30_000) {
      const max = this.opts.smallDatabaseItems ?? SMALL_DATABASE_ITEMS;
      const value = repo.itemCountUpTo(this.db, max + 1).then((n) => n <= max, () => false);
      this.small = { value, at: Date.now() };
    }
    return this.small.value;
  }

  /** Whether anything at all is shared with the AI (tells "share some records first" from "nothing relevant"). */
  anyReadable(userId: string): Promise<boolean> {
    return repo.anyReadable(this.db, userId);
  }

  /** Renders one item for embedding, redacted exactly as for a prompt. */
  async renderForEmbedding(userId: string, row: { kind: string; title_enc: Buffer; text_enc: Buffer | null; effective_at: Date | null }): Promise<string> {
    const keys = await this.keys.forUser(userId);
    const redactor = await this.redactorFor(userId, keys);
    const title = keys.decryptText('title', row.title_enc) ?? '';
    const text = keys.decryptText('text', row.text_enc) ?? '';
    return redactor.redact(`${title}. ${text}`).slice(0, 2000);
  }

  /** Identifiers of the person, learnt from their identity records (shared or not) and account. */
  private async redactorFor(userId: string, keys: UserKeys): Promise<Redactor> {
    const hit = this.redactors.get(userId);
    if (hit && Date.now() - hit.at < 60_000) return hit.r;
    const rows = await repo.identityItems(this.db, userId, IDENTITY_KINDS);
    const resources = rows.map((r) => keys.decryptJson('content', r.content_enc)).filter(Boolean);
    const facts = factsFromResources(resources);
    const account = await repo.accountEmail(this.db, userId);
    if (account) facts.emails.push(account.email);
    const r = new Redactor(facts);
    setBounded(this.redactors, userId, { r, at: Date.now() }, 1000);
    return r;
  }

  /** Identity records changed: forget the cached redactor. */
  forget(userId: string): void {
    this.redactors.delete(userId);
  }
}
