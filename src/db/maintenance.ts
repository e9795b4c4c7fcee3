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
    } finally {
      this.running.delete(table);
    }
  }
}
