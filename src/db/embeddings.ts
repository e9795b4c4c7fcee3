import { sql } from 'kysely';
import type { Db } from './types.ts';

/** AI-readable items of a user whose embedding for `model` is missing or stale. */
export function itemsNeedingEmbedding(db: Db, userId: string, model: string, limit: number) {
  return db
    .selectFrom('items as i')
    .innerJoin(sql<{ share_with_ai: boolean }>`lateral item_permission(i)`.as('perm'), (j) => j.onTrue())
    .leftJoin('item_embeddings as e', 'e.item_id', 'i.id')
    .select(['i.id', 'i.kind', 'i.source', 'i.effective_at', 'i.title_enc', 'i.text_enc', 'i.content_hash'])
    .where('i.user_id', '=', userId)
    .where(sql<boolean>`perm.share_with_ai`)
    .where((eb) => eb.or([eb('e.item_id', 'is', null), eb('e.model', '<>', model), eb('e.content_hash', '<>', eb.ref('i.content_hash'))]))
    .orderBy('i.sort_at', 'desc')
    .limit(limit)
    .execute();
}

export async function upsertEmbeddings(db: Db, rows: { itemId: string; userId: string; model: string; contentHash: string; embedding: number[] }[]) {
  if (!rows.length) return;
  await db
    .insertInto('item_embeddings')
    .values(
      rows.map((r) => ({
        item_id: r.itemId,
        user_id: r.userId,
        model: r.model,
        dims: r.embedding.length,
        content_hash: r.contentHash,
        embedding: `[${r.embedding.join(',')}]`,
      })),
    )
    .onConflict((oc) =>
      oc.column('item_id').doUpdateSet({
        model: (eb) => eb.ref('excluded.model'),
        dims: (eb) => eb.ref('excluded.dims'),
        content_hash: (eb) => eb.ref('excluded.content_hash'),
        embedding: (eb) => eb.ref('excluded.embedding'),
      }),
    )
    .execute();
}

/**
 * Deletes embeddings that may no longer exist: the item is no longer AI-readable (revoked,
 * expired, made secret) or the embedding is of another model. Optionally for one user.
 */
export async function deleteStaleEmbeddings(db: Db, model: string, userId?: string): Promise<number> {
  const r = await sql`
    delete from item_embeddings e using items i
    where i.id = e.item_id ${userId ? sql`and e.user_id = ${userId}` : sql``}
      and (e.model <> ${model} or not (select p.share_with_ai from item_permission(i) p))`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/** The database's clock: the expiry sweep's watermark (so the gateway's clock never matters). */
export async function dbNow(db: Db): Promise<Date> {
  const r = await sql<{ now: Date }>`select now() as now`.execute(db);
  return new Date(r.rows[0].now);
}

/**
 * Items whose own setting or a matching rule's expiry fell in (since, until]: the only items
 * an expiry can have changed. Both walks are range scans of the partial expiry indexes.
 */
const expiredBetween = (since: Date, until: Date) => sql`
  select i.id from items i where i.expires_at > ${since} and i.expires_at <= ${until}
  union
  select i.id from sharing_rules r join items i on i.user_id = r.user_id
  where r.expires_at > ${since} and r.expires_at <= ${until}`;

/**
 * The periodic sweep: deletes embeddings of items that stopped being AI-readable because an
 * item setting or a rule expired in (since, until], without a pass over every embedding.
 */
export async function deleteExpiredEmbeddings(db: Db, since: Date, until: Date): Promise<number> {
  const r = await sql`
    delete from item_embeddings e using items i
    where i.id = e.item_id and e.item_id in (${expiredBetween(since, until)})
      and not (select p.share_with_ai from item_permission(i) p)`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/**
 * Users with an item that an expiry in (since, until] made AI-readable and that lacks a current
 * embedding (an expired "do not share" setting hands the item back to an allowing rule).
 */
export async function usersNewlyReadable(db: Db, model: string, since: Date, until: Date): Promise<string[]> {
  const r = await sql<{ user_id: string }>`
    select distinct i.user_id from items i cross join lateral item_permission(i) perm
    left join item_embeddings e on e.item_id = i.id
    where i.id in (${expiredBetween(since, until)}) and perm.share_with_ai
      and (e.item_id is null or e.model <> ${model} or e.content_hash <> i.content_hash)`.execute(db);
  return r.rows.map((x) => x.user_id);
}

/** Users with AI-readable items lacking a current embedding (start-up, model change, retries). */
export async function usersNeedingEmbedding(db: Db, model: string): Promise<string[]> {
  const r = await sql<{ user_id: string }>`
    select distinct i.user_id from items i cross join lateral item_permission(i) perm
    left join item_embeddings e on e.item_id = i.id
    where perm.share_with_ai and (e.item_id is null or e.model <> ${model} or e.content_hash <> i.content_hash)`.execute(db);
  return r.rows.map((x) => x.user_id);
}

/** HNSW index for one embedding size (cosine), created once when that size first appears. */
export async function ensureVectorIndex(db: Db, dims: number): Promise<void> {
  if (!Number.isInteger(dims) || dims < 1 || dims > 16000) throw new Error(`unsupported embedding size ${dims}`);
  await sql
    .raw(`create index if not exists item_embeddings_hnsw_${dims} on item_embeddings using hnsw ((embedding::vector(${dims})) vector_cosine_ops) where dims = ${dims}`)
    .execute(db);
}

export function countEmbeddings(db: Db, userId: string) {
  return db.selectFrom('item_embeddings').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
}
