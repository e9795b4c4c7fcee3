import { sql } from 'kysely';
import type { Db } from './types.ts';

/** Repository of wearable day batches, OAuth connections and pending authorizations. */

export interface BatchKey {
  metric: string;
  day: string;
}

export interface BatchWrite extends BatchKey {
  userId: string;
  source: string;
  unit: string;
  sampleCount: number;
  firstAt: Date;
  lastAt: Date;
  samplesEnc: Buffer;
  /** Staged rows only: the `updated_at` of the live batch they were merged from (epoch if none). */
  basedOn?: Date;
}

/**
 * Staged (pending) batches of an import live in this table under a source no reader asks
 * for: `~pending:<importId>:<source>`. Readers name a real source (`apple-health`, `oura`), so
 * they never see them; `publishStaged` makes them live in one short transaction. A `~items:`
 * row marks a published import whose daily items are still being rewritten.
 */
export const stagedSource = (importId: string, source: string) => `~pending:${importId}:${source}`;
export const itemsMarkerSource = (importId: string, source: string) => `~items:${importId}:${source}`;
/** `basedOn` of a staged batch that had no live batch to merge from. */
export const NO_BASE = new Date(0);

/** The existing batches of the given (metric, day) keys for one user and source. */
export async function findBatches(db: Db, userId: string, source: string, keys: BatchKey[]) {
  if (!keys.length) return [];
  const r = await sql<{ metric: string; day: string; samples_enc: Buffer; updated_at: Date }>`
    select b.metric, b.day, b.samples_enc, b.updated_at from wearable_batches b
    join unnest(${keys.map((k) => k.metric)}::text[], ${keys.map((k) => k.day)}::text[]) as k(metric, day)
      on b.metric = k.metric and b.day = k.day
    where b.user_id = ${userId} and b.source = ${source}`.execute(db);
  return r.rows;
}

export async function upsertBatches(db: Db, rows: BatchWrite[]): Promise<void> {
  if (!rows.length) return;
  await db
    .insertInto('wearable_batches')
    .values(
      rows.map((r) => ({
        user_id: r.userId,
        source: r.source,
        metric: r.metric,
        day: r.day,
        unit: r.unit,
        sample_count: r.sampleCount,
        first_at: r.firstAt,
        last_at: r.lastAt,
        samples_enc: r.samplesEnc,
        ...(r.basedOn ? { updated_at: r.basedOn } : {}),
      })),
    )
    .onConflict((oc) =>
      oc.columns(['user_id', 'source', 'metric', 'day']).doUpdateSet({
        unit: (eb) => eb.ref('excluded.unit'),
        sample_count: (eb) => eb.ref('excluded.sample_count'),
        first_at: (eb) => eb.ref('excluded.first_at'),
        last_at: (eb) => eb.ref('excluded.last_at'),
        samples_enc: (eb) => eb.ref('excluded.samples_enc'),
        updated_at: sql`case when wearable_batches.source like '~%' then excluded.updated_at else now() end`,
      }),
    )
    .execute();
}

/** Plain metadata of a user's batches (counts per source and metric), for tests and summaries. */
export function countBatches(db: Db, userId: string) {
  return db
    .selectFrom('wearable_batches')
    .select(['source', 'metric', sql<number>`count(*)::int`.as('days'), sql<number>`sum(sample_count)::int`.as('samples')])
    .where('user_id', '=', userId)
    .where('source', 'not like', '~%')
    .groupBy(['source', 'metric'])
    .orderBy('source')
    .orderBy('metric')
    .execute();
}

export function listBatches(db: Db, userId: string, source: string, metric: string) {
  return db
    .selectFrom('wearable_batches')
    .select(['day', 'unit', 'sample_count', 'samples_enc'])
    .where('user_id', '=', userId)
    .where('source', '=', source)
    .where('metric', '=', metric)
    .orderBy('day')
    .execute();
}

// --- staged imports ----------------------------------------------------------------

/**
 * Makes an import's staged batches live: replaces the live batch of each staged (metric, day)
 * and renames the staged rows to the real source, all in the caller's (short) transaction.
 * Refuses — returns `conflicts > 0` and changes nothing — when a live batch changed after the
 * import merged from it (another import of the same user and source published meanwhile).
 */
export async function publishStaged(trx: Db, userId: string, source: string, importId: string): Promise<{ published: number; conflicts: number }> {
  const staged = stagedSource(importId, source);
  const c = await sql<{ n: number }>`
    select count(*)::int as n from wearable_batches p
    left join wearable_batches l on l.user_id = p.user_id and l.source = ${source} and l.metric = p.metric and l.day = p.day
    where p.user_id = ${userId} and p.source = ${staged}
      and abs(extract(epoch from (coalesce(l.updated_at, 'epoch'::timestamptz) - p.updated_at))) > 0.002`.execute(trx);
  const conflicts = c.rows[0]?.n ?? 0;
  if (conflicts) return { published: 0, conflicts };
  await sql`
    delete from wearable_batches l using wearable_batches p
    where p.user_id = ${userId} and p.source = ${staged}
      and l.user_id = ${userId} and l.source = ${source} and l.metric = p.metric and l.day = p.day`.execute(trx);
  const r = await sql`update wearable_batches set source = ${source}, updated_at = now() where user_id = ${userId} and source = ${staged}`.execute(trx);
  return { published: Number(r.numAffectedRows ?? 0), conflicts: 0 };
}

/**
 * Refreshes the planner's statistics of the batches table. The embedded database runs no
 * autovacuum: after a large staged write the planner would still believe the table small and
 * join the staged rows to the live ones by nested scans (seconds inside the publishing
 * transaction instead of milliseconds).
 */
export async function analyzeBatches(db: Db): Promise<void> {
  await sql`analyze wearable_batches`.execute(db);
}

/** Removes an import's staged rows (a failed or abandoned import). */
export async function deleteStaged(db: Db, userId: string, source: string, importId: string): Promise<number> {
  const r = await db.deleteFrom('wearable_batches').where('user_id', '=', userId).where('source', '=', stagedSource(importId, source)).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Users with staged rows or an items marker of some import (what a start-up sweep visits). */
export async function usersWithStagedImports(db: Db): Promise<string[]> {
  const r = await sql<{ user_id: string }>`select distinct user_id from wearable_batches where source like '~%'`.execute(db);
  return r.rows.map((x) => x.user_id);
}

/** Import ids with staged rows or an items marker for a user (`~pending:` / `~items:` rows). */
export async function listStagedImports(db: Db, userId: string) {
  const r = await sql<{ kind: string; import_id: string; source: string; newest: Date }>`
    select split_part(source, ':', 1) as kind, split_part(source, ':', 2) as import_id,
           substr(source, length(split_part(source, ':', 1)) + length(split_part(source, ':', 2)) + 3) as source,
           max(updated_at) as newest
    from wearable_batches where user_id = ${userId} and source like '~%'
    group by 1, 2, 3`.execute(db);
  return r.rows.map((x) => ({ kind: x.kind === '~items' ? ('items' as const) : ('pending' as const), importId: x.import_id, source: x.source, newest: x.newest }));
}

/** Writes the marker of a published import whose daily items are still to be written. */
export async function putItemsMarker(db: Db, userId: string, source: string, importId: string, keysEnc: Buffer): Promise<void> {
  const now = new Date();
  await db
    .insertInto('wearable_batches')
    .values({ user_id: userId, source: itemsMarkerSource(importId, source), metric: '~', day: '~', unit: '1', sample_count: 0, first_at: now, last_at: now, samples_enc: keysEnc })
    .onConflict((oc) => oc.columns(['user_id', 'source', 'metric', 'day']).doUpdateSet({ samples_enc: keysEnc }))
    .execute();
}

export function getItemsMarker(db: Db, userId: string, source: string, importId: string) {
  return db.selectFrom('wearable_batches').select('samples_enc').where('user_id', '=', userId).where('source', '=', itemsMarkerSource(importId, source)).executeTakeFirst();
}

export async function deleteItemsMarker(db: Db, userId: string, source: string, importId: string): Promise<void> {
  await db.deleteFrom('wearable_batches').where('user_id', '=', userId).where('source', '=', itemsMarkerSource(importId, source)).execute();
}

// --- OAuth connections -------------------------------------------------------------

export function findConnection(db: Db, userId: string, provider: string) {
  return db.selectFrom('wearable_connections').selectAll().where('user_id', '=', userId).where('provider', '=', provider).executeTakeFirst();
}

export function listConnections(db: Db, userId: string) {
  return db
    .selectFrom('wearable_connections')
    .select(['provider', 'status', 'scope', 'synced_through', 'last_sync_at', 'created_at'])
    .where('user_id', '=', userId)
    .orderBy('provider')
    .execute();
}

export async function saveConnection(
  db: Db,
  c: { userId: string; provider: string; tokensEnc: Buffer; scope: string | null; accessExpiresAt: Date | null },
): Promise<void> {
  await db
    .insertInto('wearable_connections')
    .values({ user_id: c.userId, provider: c.provider, tokens_enc: c.tokensEnc, scope: c.scope, access_expires_at: c.accessExpiresAt, status: 'connected' })
    .onConflict((oc) =>
      oc.columns(['user_id', 'provider']).doUpdateSet({
        tokens_enc: c.tokensEnc,
        scope: c.scope,
        access_expires_at: c.accessExpiresAt,
        status: 'connected',
        updated_at: sql`now()`,
      }),
    )
    .execute();
}

export async function updateConnectionTokens(db: Db, userId: string, provider: string, tokensEnc: Buffer, accessExpiresAt: Date | null): Promise<void> {
  await db
    .updateTable('wearable_connections')
    .set({ tokens_enc: tokensEnc, access_expires_at: accessExpiresAt, updated_at: sql`now()` })
    .where('user_id', '=', userId)
    .where('provider', '=', provider)
    .execute();
}

export async function markConnection(db: Db, userId: string, provider: string, patch: { status?: string; syncedThrough?: string }): Promise<void> {
  await db
    .updateTable('wearable_connections')
    .set({
      ...(patch.status ? { status: patch.status } : {}),
      ...(patch.syncedThrough ? { synced_through: patch.syncedThrough, last_sync_at: new Date() } : {}),
      updated_at: sql`now()`,
    })
    .where('user_id', '=', userId)
    .where('provider', '=', provider)
    .execute();
}

export async function deleteConnection(db: Db, userId: string, provider: string): Promise<boolean> {
  const r = await db.deleteFrom('wearable_connections').where('user_id', '=', userId).where('provider', '=', provider).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function insertOauthState(db: Db, s: { stateHash: string; userId: string; provider: string; verifierEnc: Buffer }): Promise<void> {
  await db.insertInto('wearable_oauth_states').values({ state_hash: s.stateHash, user_id: s.userId, provider: s.provider, verifier_enc: s.verifierEnc }).execute();
}

/** Removes and returns a pending authorization (single use), if younger than maxAgeS. */
export async function takeOauthState(db: Db, stateHash: string, maxAgeS: number) {
  const r = await sql<{ user_id: string; provider: string; verifier_enc: Buffer }>`
    delete from wearable_oauth_states where state_hash = ${stateHash}
    returning user_id, provider, verifier_enc, (created_at > now() - make_interval(secs => ${maxAgeS})) as fresh`.execute(db);
  const row = r.rows[0] as { user_id: string; provider: string; verifier_enc: Buffer; fresh: boolean } | undefined;
  return row && row.fresh ? row : undefined;
}
