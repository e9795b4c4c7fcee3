import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit of this one.

/**
 * `jobs.committed`: what a job has saved for good, written in the same transaction as the save
 * itself (an import's publish). After a crash, recovery reads it to tell a job that had in fact
 * finished its work (it ends `succeeded` with these counts) from one that had not (it fails).
 * Counts only, never health data.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table jobs add column committed jsonb`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table jobs drop column committed`.execute(db);
}
