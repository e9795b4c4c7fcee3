import { sql } from 'kysely';
import type { Db } from './types.ts';

/**
 * Planner statistics. The embedded database (PGlite) runs no autovacuum, so after bulk
 * writes the planner would keep believing a user has a handful of items and pick plans that
 * are orders of magnitude slower. Callers report how many rows they wrote; a table is
 * analysed once enough has changed since its last analysis.
 */
export class StatsKeeper {
  private readonly pending = new Map<string, number>();
  private readonly running = new Set<string>();

  constructor(private readonly threshold = 2000) {}

  async wrote(db: Db, table: 'items' | 'item_embeddings' | 'sharing_rules', rows: number): Promise<void> {
    const n = (this.pending.get(table) ?? 0) + rows;
    this.pending.set(table, n);
    if (n < this.threshold || this.running.has(table)) return;
    this.pending.set(table, 0);
    this.running.add(table);
    try {
      await sql`analyze ${sql.table(table)}`.execute(db);
      // New words wait in the GIN index's pending list until a vacuum (which PGlite never runs
      // on its own) or until the list reaches 4 MB, and every word search reads that list in
      // full meanwhile: merge it into the index now, while the writer pays for it. In its own
      // subtransaction: a role that may not maintain the index leaves the caller's work intact.
      if (table === 'items') {
        await sql`do $$ begin perform gin_clean_pending_list('items_search_idx'::regclass); exception when others then null; end $$`.execute(db);
      }
    } finally {
      this.running.delete(table);
    }
  }
}
