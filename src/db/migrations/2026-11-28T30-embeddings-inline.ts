import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit of this one.

/**
 * Embeddings stay in the table row. pgvector's type is stored out of line by default, so any
 * vector over ~2 kB (768 dimensions and up: nomic-embed-text, mxbai-embed-large) went to the TOAST
 * table, and every distance the retrieval statement computes from a row (the nearest items of a
 * period, the distances of the HNSW index's hits) fetched and reassembled it from there first.
 * `main` keeps a row's vector inline; PostgreSQL still moves it out as a last resort, for a vector
 * too large for a page (over ~2,000 dimensions, which HNSW cannot index anyway). Rows written
 * before this migration keep their storage until they are embedded again.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const vector = await sql<{ n: number }>`select count(*)::int as n from pg_extension where extname = 'vector'`.execute(db);
  if ((vector.rows[0]?.n ?? 0) === 0) return;
  await sql`alter table item_embeddings alter column embedding set storage main`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
