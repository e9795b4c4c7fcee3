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
}

/** The existing batches of the given (metric, day) keys for one user and source. */
export async function findBatches(db: Db, userId: string, source: string, keys: BatchKey[]) {
  if (!keys.length) return [];
  const r = await sql<{ metric: string; day: string; samples_enc: Buffer }>`
    select b.metric, b.day, b.samples_enc from wearable_batches b
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
      })),
    )
    .onConflict((oc) =>
      oc.columns(['user_id', 'source', 'metric', 'day']).doUpdateSet({
        unit: (eb) => eb.ref('excluded.unit'),
        sample_count: (eb) => eb.ref('excluded.sample_count'),
        first_at: (eb) => eb.ref('excluded.first_at'),
        last_at: (eb) => eb.ref('excluded.last_at'),
        samples_enc: (eb) => eb.ref('excluded.samples_enc'),
        updated_at: sql`now()`,
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
