import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit of this one.

/**
 * An answer is stored while it streams (status `streaming`, rewritten every few seconds), so a
 * crash of the gateway keeps the partial answer; the next start marks such rows `error`. The
 * partial index keeps that start-up sweep from reading every message.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // The check was created unnamed with its column: find it by what it checks.
  const checks = await sql<{ conname: string }>`
    select conname from pg_constraint
    where conrelid = 'messages'::regclass and contype = 'c' and pg_get_constraintdef(oid) like '%status%'`.execute(db);
  for (const c of checks.rows) await sql`alter table messages drop constraint ${sql.id(c.conname)}`.execute(db);
  await sql`alter table messages add constraint messages_status_check check (status in ('streaming', 'complete', 'incomplete', 'error'))`.execute(db);
  await sql`create index messages_streaming_idx on messages (id) where status = 'streaming'`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
