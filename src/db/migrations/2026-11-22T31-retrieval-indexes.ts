import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit of this one.

/**
 * item_permission() picks the top matching rule per item with ORDER BY … LIMIT 1. An index in
 * exactly that order lets PostgreSQL read the first matching rule instead of sorting the
 * user's rules once per item, which dominated permission-filtered retrieval.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index sharing_rules_precedence_idx on sharing_rules (user_id, priority desc, share_with_ai asc, created_at desc, id)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
