import { sql } from 'kysely';
import { PREPARED, PREPARED_GENERIC } from './connect.ts';
import type { Db } from './types.ts';

/**
 * Retrieval SQL. Every candidate comes from `items` joined with `item_permission(i)` and
 * filtered on `share_with_ai` for one user inside the statement; there is no other way in.
 */

export interface SearchParams {
  userId: string;
  /** Blinded tsquery (OR of the question's lexemes and code phrases), or null. */
  tsquery: string | null;
  /** Blinded tsquery requiring every word of the question (AND), when there are several. */
  tsqueryAll?: string | null;
  /** Query embedding and the model that made it, or null for lexical only. */
  vector: { values: number[]; model: string } | null;
  /**
   * Cosine distance (1 − similarity) above which a vector neighbour is not a candidate unless
   * the lexical ranker found it too; without it every question, even "hello", gets neighbours.
   */
  maxVectorDistance?: number;
  from?: Date;
  to?: Date;
  /** How many candidates each ranker contributes, and how many fused results to return. */
  perRanker: number;
  limit: number;
  /** Run on a plan made once and reused (see Retriever's SMALL_DATABASE_ITEMS); custom otherwise. */
  genericPlan?: boolean;
}

export interface Candidate {
  id: string;
  score: number;
  kind: string;
  source: string;
  effective_at: Date | null;
  title_enc: Buffer;
  text_enc: Buffer | null;
}

/**
 * A sufficient condition for readability on an item row `i`: not secret, and shared by its own
 * unexpired setting, which item_permission() lets decide before any rule. The word rankers admit
 * such a row without an ai_readable() call (a PL/pgSQL call per row, ~10% of a small vault's
 * retrieval time); any other row is still decided by ai_readable(). It can only spare a call,
 * never admit an item item_permission() would refuse.
 */
const OWN_SHARE = `(i.sensitivity <> 'secret' and i.share_with_ai and (i.expires_at is null or i.expires_at > now()))`;

/**
 * A necessary condition for readability, checked on an item row `i` before item_permission()
 * (which still decides, through ai_readable()): an unexpired own "share", or some unexpired
 * allowing rule (the `allow_rules` CTE of the statement, see allowRules) that matches the item.
 * It reads a handful of rules kept in memory instead of a rule lookup per row, so a walk through
 * thousands of unshared items stays cheap. It can only skip items, never admit one.
 */
const mayBeReadableExpr = sql.raw(`(${OWN_SHARE} or i.sensitivity <> 'secret' and (
      exists (select 1 from allow_rules a
        where (a.source is null or a.source = i.source or starts_with(i.source, a.source || ':'))
          and (a.kind is null or a.kind = i.kind or (right(a.kind, 1) = '*' and starts_with(i.kind, rtrim(a.kind, '*'))))
          and (a.category is null or a.category = any (i.categories))
          and (a.tag is null or a.tag = any (i.tags)))))`);

/** The user's unexpired allowing rules, materialised once per statement for mayBeReadableExpr. */
const allowRules = (userId: string) => sql`allow_rules as materialized (
          select source, kind, category, tag from sharing_rules
          where user_id = ${userId} and share_with_ai and (expires_at is null or expires_at > now()))`;

/**
 * Hybrid search in one statement: lexical and vector rankings fused by reciprocal rank (k = 60).
 * Each ranker walks its candidates best-first and checks the permission row by row, stopping
 * once it has `perRanker` readable ones (a filter over an ordered, materialised CTE keeps its
 * order, and the LIMIT stops the walk early).
 * Vector neighbours farther than `maxVectorDistance` count only when the words matched too.
 */
export async function hybridSearch(db: Db, p: SearchParams): Promise<Candidate[]> {
  const dateFilter = sql`${p.from ? sql`and i.sort_at >= ${p.from}` : sql``} ${p.to ? sql`and i.sort_at < ${p.to}` : sql``}`;
  // The row-by-row permission check: ai_readable() asks item_permission() (the one definition)
  // through a PL/pgSQL function, so its plan is made once per connection and the walks stay in
  // rank order (a CTE scan filtered by it, cut by the LIMIT) instead of the planner inlining and
  // planning the permission's body again at each use on every question.
  const readable = (ref: string) => sql`ai_readable(${sql.ref(ref)}, ${p.userId})`;
  // Lexical candidates. First the usual walks: the 200 most recent items matching all the words
  // (when there are several; a constant-false filter skips the walk otherwise) and the 400 most
  // recent matching any (the planner serves them from the (user, date) index or
  // the GIN index), ranked by cover density, the permission checked row by row in rank order
  // until `perRanker` are readable. When that leaves too few readable items although the walk was
  // cut short, the same walks run again with the permission inside them: otherwise years of
  // unshared matching items (daily wearable summaries mentioning "heart") would fill the walks
  // and push every older shared item out of lexical reach. The deep walks cost a permission check
  // per walked row, so they run only when the first walks found fewer readable items than fill a
  // context (a one-time filter on their counts), and each stops at a few dozen readable items.
  const deepBelow = Math.min(p.perRanker, p.limit);
  // The first walks compute mayBeReadableExpr for each walked row, and only the rows that pass
  // are ranked (ts_rank_cd is the costly part of those walks) and checked with ai_readable(),
  // unless their own setting already shares them (OWN_SHARE). A deep walk runs only when the first
  // walks asked for it, and checks the same, in that order.
  const deepRow = sql`(select count(*) from lex_first) < ${deepBelow} and (select count(*) from lex_any) >= 400 and ${mayBeReadableExpr} and (${sql.raw(OWN_SHARE)} or ${readable('i.id')})`;
  // A short period (two months at most) holds a few thousand items: both rankers then walk it
  // through the (user, date) index instead of the planner's choice of a GIN bitmap of every
  // matching item of every user (a common word, tens of thousands of rows) for the words, and of
  // reading every embedding of the user (or walking the HNSW graph until enough neighbours fall in
  // the period) for the vector, which finds the nearest of the period's items exactly. Only the
  // plan changes: the same rows qualify, in the same order. Each item's embedding is read by its
  // key alone (the other tests sit outside the `offset 0` subquery): with the (user, model) index
  // on offer, a planner without statistics (a small vault, never analysed) read every embedding of
  // the user for every item of the period.
  const shortRange = !!p.from && (p.to ?? new Date()).getTime() - p.from.getTime() <= 62 * 86_400_000;
  const lexical = p.tsquery
    ? sql`${allowRules(p.userId)},
        lex_all as materialized (
          select i.id, i.sort_at, i.search, ${mayBeReadableExpr} as may, ${sql.raw(OWN_SHARE)} as own from items i
          where ${p.tsqueryAll ? sql`true` : sql`false`} and i.user_id = ${p.userId} and i.search @@ ${p.tsqueryAll ?? p.tsquery}::tsquery ${dateFilter}
          order by i.sort_at desc limit 200),
        lex_any as materialized (
          select i.id, i.sort_at, i.search, ${mayBeReadableExpr} as may, ${sql.raw(OWN_SHARE)} as own from items i
          where i.user_id = ${p.userId} and ${shortRange ? sql`(i.search @@ ${p.tsquery}::tsquery) is true` : sql`i.search @@ ${p.tsquery}::tsquery`} ${dateFilter}
          order by i.sort_at desc limit 400),
        lex_ranked as materialized (
          select m.id, ts_rank_cd(m.search, ${p.tsquery}::tsquery) as rank, m.sort_at, m.own from (
            select id, sort_at, search, own from lex_all where may
            union all
            select id, sort_at, search, own from lex_any a where may and not exists (select 1 from lex_all b where b.id = a.id)) m
          order by rank desc, m.sort_at desc),
        lex_first as materialized (
          select lr.id, lr.rank, lr.sort_at from lex_ranked lr where lr.own or ${readable('lr.id')} limit ${p.perRanker}),
        lex_deep as materialized (
          (select i.id from items i
           where ${p.tsqueryAll ? sql`true` : sql`false`} and i.user_id = ${p.userId} and i.search @@ ${p.tsqueryAll ?? p.tsquery}::tsquery ${dateFilter}
             and ${deepRow}
           order by i.sort_at desc limit ${deepBelow})
          union
          (select i.id from items i
           where i.user_id = ${p.userId} and i.search @@ ${p.tsquery}::tsquery ${dateFilter}
             and ${deepRow}
           order by i.sort_at desc limit ${p.perRanker})),
        lex_match as (select id from lex_ranked union select id from lex_deep),
        lex as (
          select id, row_number() over (order by rank desc, sort_at desc) as r from (
            select id, rank, sort_at from (
              select id, rank, sort_at from lex_first
              union
              select i.id, ts_rank_cd(i.search, ${p.tsquery}::tsquery), i.sort_at from lex_deep d join items i on i.id = d.id) pool
            order by rank desc, sort_at desc limit ${p.perRanker}) l)`
    : sql`lex as (select null::uuid as id, 0::bigint as r where false)`;
  const dims = p.vector?.values.length ?? 0;
  const literal = p.vector ? `[${p.vector.values.join(',')}]` : '';
  const dimSql = sql.raw(String(dims));
  // A neighbour the word rankers already found readable (lex_first, lex_deep: decided in this
  // statement, on the same snapshot) is not asked again. Over a longer period
  // the HNSW walk filters on the embedding's own copy of its item's date (kept by triggers).
  const vectorPart = p.vector
    ? sql`vec_ranked as materialized (${shortRange
        ? sql`
          select e.item_id as id, (e.embedding::vector(${dimSql})) <=> ${literal}::vector(${dimSql}) as dist
          from items i cross join lateral (
            select e.item_id, e.embedding, e.user_id, e.model, e.dims from item_embeddings e where e.item_id = i.id offset 0) e
          where i.user_id = ${p.userId} ${dateFilter} and e.user_id = ${p.userId} and e.model = ${p.vector.model} and e.dims = ${dims}
          order by dist limit ${p.perRanker * 2}),`
        : sql`
          select e.item_id as id, (e.embedding::vector(${dimSql})) <=> ${literal}::vector(${dimSql}) as dist
          from item_embeddings e
          where e.user_id = ${p.userId} and e.model = ${p.vector.model} and e.dims = ${dims}
            ${p.from ? sql`and e.sort_at >= ${p.from}` : sql``} ${p.to ? sql`and e.sort_at < ${p.to}` : sql``}
          order by dist limit ${p.perRanker * 2}),`}
        vec as (
          select id, row_number() over (order by dist) as r from (
            select vr.id, vr.dist from vec_ranked vr
            where (vr.dist <= ${p.maxVectorDistance ?? 2} ${p.tsquery ? sql`or vr.id in (select id from lex_match)` : sql``})
              and (${p.tsquery ? sql`vr.id in (select id from lex_first union all select id from lex_deep) or` : sql``} ${readable('vr.id')})
            limit ${p.perRanker}) v)`
    : sql`vec as (select null::uuid as id, 0::bigint as r where false)`;
  // The sealed content comes back in the same statement (the rankers checked the permission),
  // read by primary key per result (`offset 0`: not a join the planner may turn into a scan of
  // every item of the user).
  const body = sql`with ${lexical}, ${vectorPart},
    fused as (
      select id, sum(1.0 / (60 + r))::float8 as score
      from (select id, r from lex union all select id, r from vec) ranked
      group by id order by score desc limit ${p.limit})
    select f.id, f.score, i.kind, i.source, i.effective_at, i.title_enc, i.text_enc
    from fused f cross join lateral (
      select kind, source, effective_at, title_enc, text_enc from items i
      where i.id = f.id and i.user_id = ${p.userId} offset 0) i
    order by f.score desc`;
  const r = await sql<Candidate>`${sql.raw(p.genericPlan ? PREPARED_GENERIC : PREPARED)}${body}`.execute(db);
  return r.rows.map((row) => ({ ...row, score: Number(row.score) }));
}

/** The most recent AI-readable items (in the date range): context when nothing matches the words. */
export async function recentReadable(db: Db, p: { userId: string; from?: Date; to?: Date; limit: number }): Promise<Candidate[]> {
  const r = await sql<Omit<Candidate, 'score'>>`
    select i.id, i.kind, i.source, i.effective_at, i.title_enc, i.text_enc from items i cross join lateral item_permission(i) perm
    where i.user_id = ${p.userId} and perm.share_with_ai
      ${p.from ? sql`and i.sort_at >= ${p.from}` : sql``} ${p.to ? sql`and i.sort_at < ${p.to}` : sql``}
    order by i.sort_at desc, i.id desc limit ${p.limit}`.execute(db);
  return r.rows.map((row, n) => ({ ...row, score: 1 / (60 + n + 1) }));
}

export interface KindQuery {
  userId: string;
  /** Item kinds; one ending in `*` is a prefix (`wearable.*`). */
  kinds: string[];
  /** Only items with one of these categories (Observations of a class), or any. */
  categories?: string[];
  /** Blinded tsquery the item's words must match, or none (then `limit` is per kind too). */
  tsquery?: string | null;
  from?: Date;
  to?: Date;
  limit: number;
}

export interface KindRow extends Omit<Candidate, 'score'> {
  content_enc: Buffer | null;
  categories: string[];
}

/**
 * The newest AI-readable items of some kinds (structured retrieval: "my medications", "my last
 * A1c"), newest first, with their sealed content. One walk per kind down the (user, kind, date)
 * index, each checking the permission row by row (item_permission()'s decision, written out for
 * the user's rules by compiledPermission) and stopping at `limit` readable items, so years of
 * unshared records of a kind cost a walk, never a leak.
 */
export async function readableOfKinds(db: Db, p: KindQuery): Promise<KindRow[]> {
  const exact = p.kinds.filter((k) => !k.endsWith('*'));
  const prefixes = p.kinds.filter((k) => k.endsWith('*')).map((k) => k.slice(0, -1));
  if (!exact.length && !prefixes.length) return [];
  const dates = sql`${p.from ? sql`and i.sort_at >= ${p.from}` : sql``} ${p.to ? sql`and i.sort_at < ${p.to}` : sql``}`;
  const categories = p.categories?.length ? sql`and i.categories && ${p.categories}::text[]` : sql``;
  const readable = compiledPermission(await activeRules(db, p.userId));
  const cols = sql`i.id, i.kind, i.source, i.effective_at, i.sort_at, i.categories, i.title_enc, i.text_enc, i.content_enc`;
  // The user's kinds, by a loose scan of the (user, kind, date) index (one probe per kind), so a
  // prefix (`wearable.*`) or a kind the user has none of costs a probe, never a walk of every item.
  const userKinds = sql`user_kinds as (
      select kind from (
        with recursive k as (
          (select kind from items where user_id = ${p.userId} order by kind limit 1)
          union all
          select (select kind from items where user_id = ${p.userId} and kind > k.kind order by kind limit 1) from k where k.kind is not null)
        select kind from k where kind is not null) all_kinds
      where kind = any (${exact}::text[]) or exists (select 1 from unnest(${prefixes}::text[]) pr(prefix) where starts_with(kind, pr.prefix)))`;
  if (!p.tsquery) {
    // Newest first down the (user, kind, date) index, one kind at a time, the permission checked row by row.
    const r = await sql<KindRow>`
      with ${userKinds}
      select * from user_kinds k cross join lateral (
        select ${cols} from items i
        where i.user_id = ${p.userId} and i.kind = k.kind ${categories} ${dates} and ${readable}
        order by i.sort_at desc, i.id desc limit ${p.limit}) x
      order by x.sort_at desc, x.id desc limit ${p.limit}`.execute(db);
    return r.rows;
  }
  // With words: every readable match of the kinds at once, from the words' GIN index (`offset 0`
  // keeps the planner from walking every item of a kind instead), the permission a plain
  // expression on the rows the index found; then the newest `limit` of each kind.
  const r = await sql<KindRow>`
    with ${userKinds}
    select id, kind, source, effective_at, sort_at, categories, title_enc, text_enc, content_enc from (
      select m.*, row_number() over (partition by m.kind order by m.sort_at desc, m.id desc) as n from (
        select ${cols} from items i
        where i.user_id = ${p.userId} and i.kind in (select kind from user_kinds) and i.search @@ ${p.tsquery}::tsquery ${categories} ${dates} and ${readable}
        offset 0) m) ranked
    where n <= ${p.limit}
    order by sort_at desc, id desc`.execute(db);
  return r.rows;
}

interface ActiveRule {
  id: string;
  source: string | null;
  kind: string | null;
  category: string | null;
  tag: string | null;
  share_with_ai: boolean;
  expires_at: Date | null;
}

/** The user's unexpired rules in item_permission()'s order of precedence. */
function activeRules(db: Db, userId: string): Promise<ActiveRule[]> {
  return sql<ActiveRule>`select id, source, kind, category, tag, share_with_ai, expires_at from sharing_rules
    where user_id = ${userId} and (expires_at is null or expires_at > now())
    order by priority desc, share_with_ai asc, created_at desc, id`.execute(db).then((r) => r.rows);
}

/**
 * item_permission()'s AI decision for a row `i`, written out for this user's few rules: secret
 * never; an unexpired own setting decides; else the first matching rule in order of precedence;
 * else no. The rules are read just before (and each one still checks its expiry), so the walk
 * evaluates a plain expression per row instead of a rule lookup (the permission property test
 * holds it to the reference implementation).
 */
function compiledPermission(rules: ActiveRule[]) {
  const own = sql`(i.share_with_ai is not null and (i.expires_at is null or i.expires_at > now()))`;
  const branches = rules.map((r) => {
    const conds = [sql`(${r.expires_at}::timestamptz is null or ${r.expires_at}::timestamptz > now())`];
    if (r.source !== null) conds.push(sql`(i.source = ${r.source} or starts_with(i.source, ${`${r.source}:`}))`);
    if (r.kind !== null) conds.push(r.kind.endsWith('*') ? sql`starts_with(i.kind, ${r.kind.replace(/\*+$/, '')})` : sql`i.kind = ${r.kind}`);
    if (r.category !== null) conds.push(sql`${r.category} = any (i.categories)`);
    if (r.tag !== null) conds.push(sql`${r.tag} = any (i.tags)`);
    return sql`when ${sql.join(conds, sql` and `)} then ${r.share_with_ai}`;
  });
  const byRule = branches.length ? sql.join(branches, sql` `) : sql``;
  return sql`(i.sensitivity <> 'secret' and case when ${own} then i.share_with_ai ${byRule} else false end)`;
}

/** How many items the database holds (all users), counting no further than `cap`. */
export async function itemCountUpTo(db: Db, cap: number): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from (select 1 from items limit ${cap}) s`.execute(db);
  return r.rows[0]?.n ?? 0;
}

/** Whether the user has any item the AI may read now (stops at the first, newest first). */
export async function anyReadable(db: Db, userId: string): Promise<boolean> {
  const r = await sql<{ id: string }>`
    with ${allowRules(userId)}
    select i.id from items i
    where i.user_id = ${userId} and case when ${mayBeReadableExpr} then ai_readable(i.id, i.user_id) else false end
    order by i.sort_at desc, i.id desc limit 1`.execute(db);
  return r.rows.length > 0;
}

/** Sealed content of AI-readable items by id. Re-checks the permission: a stale id gets nothing. */
export function readableItemsByIds(db: Db, userId: string, ids: string[]) {
  if (!ids.length) return Promise.resolve([]);
  return db
    .selectFrom('items as i')
    .innerJoin(sql<{ share_with_ai: boolean }>`lateral item_permission(i)`.as('perm'), (j) => j.onTrue())
    .select(['i.id', 'i.kind', 'i.source', 'i.effective_at', 'i.title_enc', 'i.text_enc', 'i.content_hash', 'i.categories'])
    .where('i.user_id', '=', userId)
    .where('i.id', 'in', ids)
    .where(sql<boolean>`perm.share_with_ai`)
    .execute();
}

/**
 * Sealed content of the records that name the user's identifiers (for redaction only): every
 * fhir.Patient record (the person themself, never crowded out by their care team), then the
 * most recent of the other identity kinds, within `cap` in all.
 */
export async function identityItems(db: Db, userId: string, kinds: string[], cap = 300) {
  const own = await db
    .selectFrom('items')
    .select(['id', 'kind', 'content_enc', 'title_enc'])
    .where('user_id', '=', userId)
    .where('kind', '=', 'fhir.Patient')
    .orderBy('sort_at', 'desc')
    .limit(cap)
    .execute();
  const others = kinds.filter((k) => k !== 'fhir.Patient');
  if (own.length >= cap || !others.length) return own;
  const rest = await db
    .selectFrom('items')
    .select(['id', 'kind', 'content_enc', 'title_enc'])
    .where('user_id', '=', userId)
    .where('kind', 'in', others)
    .orderBy('sort_at', 'desc')
    .limit(cap - own.length)
    .execute();
  return [...own, ...rest];
}

/**
 * What PostgreSQL's english configuration makes of text, in one round trip (plain; blinded by the
 * caller): the lexemes of `text` (null when not asked), of each of `words` on its own, and the
 * tsquery phrase of each of `codes`, in the order asked.
 */
export async function stems(db: Db, p: { text: string | null; words: string[]; codes: string[] }): Promise<{ lexemes: string[] | null; words: string[][]; phrases: string[] }> {
  const r = await sql<{ lexemes: string[] | null; words: string[][]; phrases: string[] }>`
    select case when ${p.text}::text is null then null
                else coalesce((select array_agg(lexeme) from unnest(to_tsvector('english', ${p.text}::text))), '{}') end as lexemes,
           (select coalesce(json_agg(coalesce((select array_agg(lexeme) from unnest(to_tsvector('english', w))), '{}') order by n), '[]')
              from unnest(${p.words}::text[]) with ordinality u(w, n)) as words,
           (select coalesce(array_agg(phraseto_tsquery('english', c)::text order by n), '{}')
              from unnest(${p.codes}::text[]) with ordinality u(c, n)) as phrases`.execute(db);
  const row = r.rows[0];
  return { lexemes: row?.lexemes ?? null, words: row?.words ?? [], phrases: row?.phrases ?? [] };
}

export function accountEmail(db: Db, userId: string) {
  return db.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirst();
}
