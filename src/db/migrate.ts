import { Migrator, sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { migrations } from './migrations/index.ts';

export interface MigrationReport {
  applied: string[];
  vector: boolean;
}

/**
 * Brings the schema up to date, each migration in its own transaction; throws on the first
 * failure so that start-up stops. pgvector is optional: without it retrieval is lexical only.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationReport> {
  let vector = false;
  try {
    await sql`create extension if not exists vector`.execute(db);
    vector = true;
  } catch {
    vector = false;
  }
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  });
  const applied: string[] = [];
  // One migrateUp() per step: kysely wraps each call in its own transaction.
  for (;;) {
    const { error, results } = await migrator.migrateUp();
    const failed = results?.find((r) => r.status === 'Error');
    if (error || failed) {
      const cause = error instanceof Error ? error.message : String(error ?? 'unknown error');
      throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${cause}`);
    }
    const done = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    if (done.length === 0) break;
    applied.push(...done);
  }
  return { applied, vector };
}
