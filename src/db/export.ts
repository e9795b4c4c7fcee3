import type { Db } from './types.ts';

/**
 * Reads for the account export: every row of one user, without the page limits the
 * interactive lists have (an export that silently stops at N rows would not be "everything").
 */

export function listConversationIds(db: Db, userId: string) {
  return db.selectFrom('conversations').select('id').where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
}

export function listAllDisclosures(db: Db, userId: string) {
  return db.selectFrom('disclosures').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
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
