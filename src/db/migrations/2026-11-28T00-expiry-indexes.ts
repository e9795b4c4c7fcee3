import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit of this one.

/**
 * The embedding expiry sweep runs every minute on the one embedded database connection; it looks
 * only at items and rules whose expiry fell since the previous sweep. These partial indexes make
 * that a small range scan instead of a pass over every embedding.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index items_expires_idx on items (expires_at) where expires_at is not null`.execute(db);
  await sql`create index sharing_rules_expires_idx on sharing_rules (expires_at) where expires_at is not null`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
