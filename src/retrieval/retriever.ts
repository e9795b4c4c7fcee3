import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import * as repo from '../db/retrieval.ts';
import type { KeyService } from '../vault/keys.ts';
import type { UserKeys } from '../vault/crypto.ts';
import { blindTsquery } from '../vault/blind-index.ts';
import { expandClinicalTerms } from './clinical-terms.ts';
import { parseTimeFilter, type TimeFilter } from './time-filter.ts';
import { Redactor, factsFromResources } from './redact.ts';
import type { PromptItem } from './prompt.ts';
import { QuestionStemmer, type QuestionTerms } from './stems.ts';
import { setBounded } from '../lib/bounded-map.ts';

export interface RetrievalResult {
  items: PromptItem[];
  filter: TimeFilter;
  mode: 'hybrid' | 'lexical' | 'recent' | 'none';
}

export interface RetrieverOptions {
  /** pgvector present: vector search joins lexical search. */
  vector: boolean;
  embedModel: string;
  /** How many items may reach the prompt builder (the token budget decides how many fit). */
  maxItems?: number;
  /** Cosine similarity a vector-only candidate needs (see MIN_VECTOR_SIMILARITY). */
  minVectorSimilarity?: number;
  /** Up to how many items in the database the statement runs on a reused plan (SMALL_DATABASE_ITEMS). */
  smallDatabaseItems?: number;
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

/** Stemmed words of questions that say nothing about which records matter. */
const GENERIC = new Set(['new', 'hello', 'hi', 'hey', 'bye', 'record', 'say', 'tell', 'show', 'give', 'know', 'anyth', 'everyth', 'someth', 'pleas', 'want', 'like', 'look', 'find', 'get', 'happen', 'would', 'could', 'can', 'need', 'much', 'mani', 'ok', 'thank', 'current', 'latest', 'recent', 'last', 'valu', 'chang', 'file', 'data', 'inform', 'summari', 'summar', 'explain', 'mean']);

/** Courtesy words: dropped from the search, and not a request for an overview either. */
const COURTESY = new Set(['ok', 'thank', 'pleas', 'hello', 'hi', 'hey', 'bye', 'like', 'want', 'can', 'could', 'would', 'need']);

const IDENTITY_KINDS = ['fhir.Patient', 'fhir.RelatedPerson', 'fhir.Practitioner', 'fhir.PractitionerRole'];

/**
 * Permission-cleared retrieval (DESIGN.md invariants 1-3, 5): every candidate comes from SQL
 * that filters on `item_permission(i).share_with_ai` for this user. Found items are decrypted
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

  /** The text to embed for a question: without its time phrase. */
  searchText(question: string): string {
    return parseTimeFilter(question).rest;
  }

  /** Stems the question (and its clinical expansions); can run while the question is embedded. */
  questionTerms(question: string): Promise<QuestionTerms> {
    const rest = parseTimeFilter(question).rest;
    const expansion = expandClinicalTerms(rest);
    return this.stemmer.terms([rest, ...expansion.words].join(' '), expansion.codes);
  }

  async retrieve(
    userId: string,
    question: string,
    opts: { queryVector?: number[] | null; now?: Date; terms?: Promise<QuestionTerms> } = {},
  ): Promise<RetrievalResult> {
    const filter = parseTimeFilter(question, opts.now);
    const keys = await this.keys.forUser(userId);
    const terms = await (opts.terms ?? this.questionTerms(question));
    const lexemes = [...new Set(terms.lexemes)].filter((l) => !GENERIC.has(l)).map((l) => `'${l.replace(/'/g, "''")}'`);
    const parts = lexemes.concat(terms.codePhrases.map((p) => `(${p})`));
    const tsquery = parts.length ? blindTsquery(keys, parts.join(' | ')) : null;
    const tsqueryAll = lexemes.length > 1 ? blindTsquery(keys, lexemes.join(' & ')) : null;
    const vector = this.opts.vector && opts.queryVector?.length ? { values: opts.queryVector, model: this.opts.embedModel } : null;
    const limit = this.opts.maxItems ?? 24;
    const maxVectorDistance = 1 - (this.opts.minVectorSimilarity ?? MIN_VECTOR_SIMILARITY);
    let candidates: repo.Candidate[] = [];
    if (tsquery || vector) {
      const genericPlan = await this.smallDatabase();
      const params = { userId, tsquery, tsqueryAll, vector, maxVectorDistance, from: filter.from, to: filter.to, perRanker: 40, limit, genericPlan };
      // Connections run with hnsw.iterative_scan = relaxed_order (src/db/connect.ts).
      candidates = await repo.hybridSearch(this.db, params);
    }
    let mode: RetrievalResult['mode'] = vector ? 'hybrid' : 'lexical';
    // The most recent items stand in only for questions that ask for an overview in general
    // words ("summarise my records", "anything new?") or ask about a period ("what happened last
    // month?"); a question whose words and meaning matched nothing, or a "hello" or "thanks",
    // gets no records.
    const overview = !tsquery && terms.lexemes.some((l) => GENERIC.has(l) && !COURTESY.has(l));
    if (!candidates.length && (overview || filter.from || filter.to)) {
      candidates = await repo.recentReadable(this.db, { userId, from: filter.from, to: filter.to, limit: Math.min(limit, 12) });
      mode = candidates.length ? 'recent' : 'none';
    } else if (!candidates.length) {
      mode = 'none';
    }
    const redactor = await this.redactorFor(userId, keys);
    const items: PromptItem[] = candidates.map((r) => ({
      id: r.id,
      kind: r.kind,
      source: r.source,
      effectiveAt: r.effective_at ? new Date(r.effective_at) : null,
      title: redactor.redact(keys.decryptText('title', r.title_enc) ?? ''),
      text: redactor.redact(keys.decryptText('text', r.text_enc) ?? ''),
    }));
    return { items, filter, mode };
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
