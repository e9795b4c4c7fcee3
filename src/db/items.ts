import { sql, type SelectQueryBuilder } from 'kysely';
import type { Database, Sensitivity } from './schema.ts';
import type { Db } from './types.ts';

/** An item row ready to write: content already encrypted, search already blinded. */
export interface ItemWrite {
  id: string;
  userId: string;
  kind: string;
  source: string;
  sourceId: string | null;
  categories: string[];
  tags: string[];
  effectiveAt: Date | null;
  sensitivity: Sensitivity;
  titleEnc: Buffer;
  textEnc: Buffer | null;
  contentEnc: Buffer | null;
  contentHash: string;
  search: string | null;
  shareWithAi?: boolean | null;
  shareWithCloud?: boolean | null;
  readOnly?: boolean;
  expiresAt?: Date | null;
}

/** Columns of an item plus its effective permission (computed by the item_permission SQL function). */
const itemColumns = [
  'i.id',
  'i.user_id',
  'i.kind',
  'i.source',
  'i.source_id',
  'i.categories',
  'i.tags',
  'i.effective_at',
  'i.sensitivity',
  'i.title_enc',
  'i.share_with_ai',
  'i.share_with_cloud',
  'i.read_only',
  'i.expires_at',
  'i.created_at',
  'i.updated_at',
  'i.sort_at',
] as const;

const permissionColumns = [
  sql<boolean>`p.share_with_ai`.as('eff_share_with_ai'),
  sql<boolean>`p.share_with_cloud`.as('eff_share_with_cloud'),
  sql<Date | null>`p.expires_at`.as('eff_expires_at'),
  sql<string>`p.via`.as('eff_via'),
  sql<string | null>`p.rule_id`.as('eff_rule_id'),
  // Microseconds since the epoch, exact: paging cursors must not lose timestamp precision.
  sql<string>`((extract(epoch from i.sort_at) * 1000000)::bigint)::text`.as('sort_key'),
];

function withPermission(db: Db) {
  return db
    .selectFrom('items as i')
    .innerJoin(sql<{ share_with_ai: boolean }>`lateral item_permission(i)`.as('p'), (join) => join.onTrue());
}

export type ItemRow = Awaited<ReturnType<typeof selectItemsBase>>[number];
function selectItemsBase(db: Db) {
  return withPermission(db).select(itemColumns).select(permissionColumns).execute();
}

export interface ItemFilter {
  userId: string;
  kind?: string;
  source?: string;
  from?: Date;
  to?: Date;
  /** A tsquery over blinded lexemes (see blind-index.ts). */
  blindQuery?: string;
  sensitivity?: Sensitivity;
  tag?: string;
  /** Only items a model may read now (effective shareWithAi). */
  aiReadable?: boolean;
  after?: { sortKey: string; id: string };
  limit: number;
}

function applyFilter<QB extends SelectQueryBuilder<any, any, any>>(qb: QB, f: ItemFilter): QB {
  let q = qb.where('i.user_id', '=', f.userId) as QB;
  if (f.kind) {
    q = (f.kind.endsWith('*')
      ? q.where(sql<boolean>`starts_with(i.kind, ${f.kind.slice(0, -1)})`)
      : q.where('i.kind', '=', f.kind)) as QB;
  }
  // A source names its family too: `fhir-bundle` lists `fhir-bundle:<server>` items (as rules match them).
  if (f.source) { const source = f.source; q = q.where((eb) => eb.or([eb('i.source', '=', source), eb.fn('starts_with', ['i.source', eb.val(`${source}:`)])])) as QB; }
  if (f.from) q = q.where('i.sort_at', '>=', f.from) as QB;
  if (f.to) q = q.where('i.sort_at', '<', f.to) as QB;
  if (f.sensitivity) q = q.where('i.sensitivity', '=', f.sensitivity) as QB;
  if (f.tag) q = q.where(sql<boolean>`${f.tag} = any(i.tags)`) as QB;
  if (f.blindQuery !== undefined) q = q.where(sql<boolean>`i.search @@ ${f.blindQuery}::tsquery`) as QB;
  if (f.aiReadable !== undefined) q = q.where(sql<boolean>`p.share_with_ai = ${f.aiReadable}`) as QB;
  if (f.after) q = q.where(sql<boolean>`(i.sort_at, i.id) < (timestamptz 'epoch' + ${f.after.sortKey}::bigint * interval '1 microsecond', ${f.after.id}::uuid)`) as QB;
  return q;
}

/**
 * One page of items. The page's ids are found first (filters, order, limit); the permission
 * function then runs for those rows only, unless the filter itself is on the permission.
 */
export function listItems(db: Db, f: ItemFilter) {
  const pageIds =
    f.aiReadable !== undefined && f.blindQuery !== undefined
      ? readableSearchPage(db, f)
      : applyFilter((f.aiReadable === undefined ? db.selectFrom('items as i') : withPermission(db)).select('i.id'), f)
          .orderBy('i.sort_at', 'desc')
          .orderBy('i.id', 'desc')
          .limit(f.limit);
  return withPermission(db)
    .innerJoin(pageIds.as('pg'), 'pg.id', 'i.id')
    .select(itemColumns)
    .select(permissionColumns)
    .orderBy('i.sort_at', 'desc')
    .orderBy('i.id', 'desc')
    .execute() as Promise<ItemRow[]>;
}

/**
 * Search plus a permission filter: the word matches are sorted first (materialised), then
 * walked in order with the permission checked per row until the page is full, instead of
 * computing the permission of every match.
 */
function readableSearchPage(db: Db, f: ItemFilter) {
  const matches = applyFilter(db.selectFrom('items as i').select(['i.id', 'i.sort_at']), { ...f, aiReadable: undefined })
    .orderBy('i.sort_at', 'desc')
    .orderBy('i.id', 'desc');
  return db
    .with((cte) => cte('cand').materialized(), () => matches)
    .selectFrom('cand')
    .innerJoin(
      sql<{ ok: number }>`lateral (select 1 as ok from items ri cross join lateral item_permission(ri) p where ri.id = cand.id and ri.user_id = ${f.userId} and p.share_with_ai = ${f.aiReadable!})`.as('ok'),
      (j) => j.onTrue(),
    )
    .select('cand.id as id')
    .limit(f.limit);
}

export async function getItem(db: Db, userId: string, id: string) {
  return withPermission(db)
    .select(itemColumns)
    .select(permissionColumns)
    .select(['i.text_enc', 'i.content_enc'])
    .where('i.user_id', '=', userId)
    .where('i.id', '=', id)
    .executeTakeFirst();
}

/** Where a page of items (newest first) ended: the last row's exact sort key and id. */
export interface ItemKeyset {
  sortKey: string;
  id: string;
}

/**
 * One page of a user's items with their text and content, newest first, after `after` (the
 * export). A keyset page: each statement reads `limit` rows through the (user, sort_at, id)
 * index however large the vault, so no single statement holds the embedded database long.
 */
export function listItemsForExport(db: Db, userId: string, after: ItemKeyset | undefined, limit: number) {
  let q = withPermission(db)
    .select(itemColumns)
    .select(permissionColumns)
    .select(['i.text_enc', 'i.content_enc'])
    .where('i.user_id', '=', userId);
  if (after) q = q.where(sql<boolean>`(i.sort_at, i.id) < (timestamptz 'epoch' + ${after.sortKey}::bigint * interval '1 microsecond', ${after.id}::uuid)`);
  return q.orderBy('i.sort_at', 'desc').orderBy('i.id', 'desc').limit(limit).execute();
}

function toRow(w: ItemWrite) {
  return {
    id: w.id,
    user_id: w.userId,
    kind: w.kind,
    source: w.source,
    source_id: w.sourceId,
    categories: w.categories,
    tags: w.tags,
    effective_at: w.effectiveAt,
    sensitivity: w.sensitivity,
    title_enc: w.titleEnc,
    text_enc: w.textEnc,
    content_enc: w.contentEnc,
    content_hash: w.contentHash,
    search: w.search,
    share_with_ai: w.shareWithAi ?? null,
    share_with_cloud: w.shareWithCloud ?? null,
    read_only: w.readOnly ?? false,
    expires_at: w.expiresAt ?? null,
  };
}

export async function insertItem(db: Db, w: ItemWrite): Promise<void> {
  await db.insertInto('items').values(toRow(w)).execute();
}

export interface UpsertResult {
  inserted: string[];
  updated: string[];
  unchanged: number;
}

/**
 * Idempotent batch upsert keyed by (user, source, sourceId). An identical re-import changes
 * nothing; a changed one replaces content but keeps the user's permission choices, never
 * lowers sensitivity, and never touches read-only items.
 */
export async function upsertItems(db: Db, rows: ItemWrite[]): Promise<UpsertResult> {
  if (rows.length === 0) return { inserted: [], updated: [], unchanged: 0 };
  const result = await db
    .insertInto('items')
    .values(rows.map(toRow))
    .onConflict((oc) =>
      oc
        .columns(['user_id', 'source', 'source_id'])
        .where('source_id', 'is not', null)
        .doUpdateSet({
          kind: (eb) => eb.ref('excluded.kind'),
          categories: (eb) => eb.ref('excluded.categories'),
          tags: sql`(select array(select distinct unnest(items.tags || excluded.tags)))`,
          effective_at: (eb) => eb.ref('excluded.effective_at'),
          sensitivity: sql`case when items.sensitivity = 'secret' or excluded.sensitivity = 'secret' then 'secret'
                                when items.sensitivity = 'private' or excluded.sensitivity = 'private' then 'private'
                                else 'normal' end`,
          title_enc: (eb) => eb.ref('excluded.title_enc'),
          text_enc: (eb) => eb.ref('excluded.text_enc'),
          content_enc: (eb) => eb.ref('excluded.content_enc'),
          content_hash: (eb) => eb.ref('excluded.content_hash'),
          search: sql`case when items.sensitivity = 'secret' or excluded.sensitivity = 'secret' then null else excluded.search end`,
          updated_at: sql`now()`,
        })
        .where('items.content_hash', '<>', (eb) => eb.ref('excluded.content_hash'))
        .where('items.read_only', '=', false),
    )
    .returning(['id', sql<boolean>`(xmax = 0)`.as('inserted')])
    .execute();
  const inserted = result.filter((r) => r.inserted).map((r) => r.id);
  const updated = result.filter((r) => !r.inserted).map((r) => r.id);
  return { inserted, updated, unchanged: rows.length - result.length };
}

export interface ItemPatchRow {
  kind?: string;
  tags?: string[];
  categories?: string[];
  effective_at?: Date | null;
  sensitivity?: Sensitivity;
  title_enc?: Buffer;
  text_enc?: Buffer | null;
  content_enc?: Buffer | null;
  content_hash?: string;
  search?: string | null;
}

export async function updateItem(db: Db, userId: string, id: string, patch: ItemPatchRow): Promise<void> {
  await db
    .updateTable('items')
    .set({ ...patch, updated_at: sql`now()` })
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .execute();
}

export async function setItemPermissions(
  db: Db,
  userId: string,
  id: string,
  p: { shareWithAi: boolean | null; shareWithCloud: boolean | null; readOnly: boolean; expiresAt: Date | null },
): Promise<boolean> {
  const r = await db
    .updateTable('items')
    .set({ share_with_ai: p.shareWithAi, share_with_cloud: p.shareWithCloud, read_only: p.readOnly, expires_at: p.expiresAt, updated_at: sql`now()` })
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function deleteItem(db: Db, userId: string, id: string): Promise<boolean> {
  const r = await db.deleteFrom('items').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** The item a (source, sourceId) names for this user, if any. */
export function findItemBySource(db: Db, userId: string, source: string, sourceId: string) {
  return db
    .selectFrom('items')
    .select(['id', 'read_only'])
    .where('user_id', '=', userId)
    .where('source', '=', source)
    .where('source_id', '=', sourceId)
    .executeTakeFirst();
}

export function findItemState(db: Db, userId: string, id: string) {
  return db
    .selectFrom('items')
    .select(['id', 'read_only', 'sensitivity', 'share_with_ai', 'share_with_cloud', 'expires_at', 'kind', 'tags', 'categories', 'effective_at', 'text_enc', 'content_enc', 'title_enc'])
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Stems texts with PostgreSQL's English configuration; returns tsvector text, title words weighted A. */
export async function stemForIndex(db: Db, docs: { title: string; text: string }[]): Promise<string[]> {
  if (docs.length === 0) return [];
  const r = await sql<{ v: string }>`
    select (setweight(to_tsvector('english', t.title), 'A') || to_tsvector('english', t.body))::text as v
    from unnest(${docs.map((d) => d.title)}::text[], ${docs.map((d) => d.text)}::text[]) with ordinality as t(title, body, n)
    order by t.n`.execute(db);
  return r.rows.map((row) => row.v);
}

/** Parses a web-search style query into tsquery text over plain lexemes ('' when nothing to search). */
export async function parseSearchQuery(db: Db, q: string): Promise<string> {
  const r = await sql<{ q: string }>`select websearch_to_tsquery('english', ${q})::text as q`.execute(db);
  return r.rows[0]?.q ?? '';
}

export function countItems(db: Db, userId: string) {
  return db
    .selectFrom('items as i')
    .innerJoin(sql<{ share_with_ai: boolean }>`lateral item_permission(i)`.as('p'), (join) => join.onTrue())
    .select([
      sql<number>`count(*)::int`.as('total'),
      sql<number>`count(*) filter (where p.share_with_ai)::int`.as('shared_with_ai'),
      sql<number>`count(*) filter (where i.sensitivity = 'secret')::int`.as('secret'),
    ])
    .where('i.user_id', '=', userId)
    .executeTakeFirstOrThrow();
}
