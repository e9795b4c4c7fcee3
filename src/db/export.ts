import { sql } from 'kysely';
import type { Db } from './types.ts';

/**
 * Reads for the account export: every row of one user, without the page limits the
 * interactive lists have (an export that silently stops at N rows would not be "everything").
 */

export function listConversationIds(db: Db, userId: string) {
  return db.selectFrom('conversations').select('id').where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
}

/** Where a page of disclosures (newest first) ended: exact microseconds and id. */
export interface DisclosureKeyset {
  at: string;
  id: string;
}

/** One page of a user's disclosures, newest first, after `after` (keyset on the user's created_at index). */
export function listDisclosuresPage(db: Db, userId: string, after: DisclosureKeyset | undefined, limit: number) {
  let q = db
    .selectFrom('disclosures')
    .selectAll()
    // Microseconds since the epoch, exact (a Date would lose them and repeat or skip rows).
    .select(sql<string>`((extract(epoch from created_at) * 1000000)::bigint)::text`.as('at_key'))
    .where('user_id', '=', userId);
  if (after) q = q.where(sql<boolean>`(created_at, id) < (timestamptz 'epoch' + ${after.at}::bigint * interval '1 microsecond', ${after.id}::uuid)`);
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/** One page of a metric's daily sample batches, oldest day first, after `afterDay` (primary-key order). */
export function listBatchesPage(db: Db, userId: string, source: string, metric: string, afterDay: string | undefined, limit: number) {
  let q = db
    .selectFrom('wearable_batches')
    .select(['day', 'unit', 'sample_count', 'samples_enc'])
    .where('user_id', '=', userId)
    .where('source', '=', source)
    .where('metric', '=', metric);
  if (afterDay !== undefined) q = q.where('day', '>', afterDay);
  return q.orderBy('day').limit(limit).execute();
}

/** Jobs without their parameters (internal: file paths, cursors) or results. */
export function listAllJobs(db: Db, userId: string) {
  return db
    .selectFrom('jobs')
    .select(['id', 'type', 'status', 'progress_done', 'progress_total', 'progress_unit', 'warnings', 'error', 'created_at', 'started_at', 'finished_at'])
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** Outside-source connections, metadata only: the token columns are never selected. */
export function listConnectionMetadata(db: Db, userId: string) {
  return db
    .selectFrom('connections')
    .select(['id', 'provider', 'status', 'server_url', 'scopes', 'expires_at', 'last_sync_at', 'last_error', 'created_at', 'updated_at'])
    .where('user_id', '=', userId)
    .orderBy('provider')
    .execute();
}
