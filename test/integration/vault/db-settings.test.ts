import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, PREPARED, PREPARED_GENERIC, type DatabaseHandle } from '../../../src/db/connect.ts';

// The embedded database, or a server PostgreSQL in CI's second run (TEST_DATABASE_URL).
let handle: DatabaseHandle;
const warnings: string[] = [];
const onWarning = (w: Error) => warnings.push(w.message);
beforeAll(async () => {
  process.on('warning', onWarning);
  handle = await connectDatabase({ databaseUrl: process.env.TEST_DATABASE_URL, dataDir: 'memory://', poolSize: 3 });
});
afterAll(async () => {
  process.off('warning', onWarning);
  await handle?.close();
});

describe('database connections', () => {
  it('every new connection has its session settings before its first query, without overlapping queries', async () => {
    // Several queries at once: each may open a new connection and is its first query.
    const shown = await Promise.all(
      Array.from({ length: 3 }, () => sql<{ plan_cache_mode: string }>`show plan_cache_mode`.execute(handle.db)),
    );
    for (const r of shown) expect(r.rows[0].plan_cache_mode).toBe('force_custom_plan');
    const hnsw = await sql<{ v: string | null }>`select current_setting('hnsw.iterative_scan', true) as v`.execute(handle.db);
    expect(hnsw.rows[0].v).toBe('relaxed_order');
    await new Promise((r) => setImmediate(r));
    expect(warnings.filter((w) => /already executing a query/.test(w))).toEqual([]);
  });

  it('runs statements marked PREPARED as named statements, again and again with new values', async () => {
    for (const v of [1, 2, 3]) {
      const r = await sql<{ n: number }>`${sql.raw(PREPARED)}select ${v}::int + 1 as n`.execute(handle.db);
      expect(r.rows[0].n).toBe(v + 1);
    }
    const named = await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements where name like 'cv_%'`.execute(handle.db);
    expect(named.rows[0].n).toBeGreaterThan(0);
  });

  it('runs PREPARED_GENERIC statements on one reused plan, PREPARED ones on a plan per call, and everything else as before', async () => {
    // One connection for the whole sequence: the plan mode is per session.
    await handle.db.connection().execute(async (db) => {
      for (const k of ['r', 'i', 'r']) await sql`${sql.raw(PREPARED_GENERIC)}select count(*)::int as n from pg_class where relkind = ${k}`.execute(db);
      for (const v of [0, 1, 2]) await sql`${sql.raw(PREPARED)}select count(*)::int as n from pg_class where relpages >= ${v}`.execute(db);
      for (const k of ['v', 'r']) await sql`${sql.raw(PREPARED_GENERIC)}select count(*)::int as n from pg_class where relkind = ${k}`.execute(db);
      // Any other statement runs with the session's usual setting.
      expect((await sql<{ plan_cache_mode: string }>`show plan_cache_mode`.execute(db)).rows[0].plan_cache_mode).toBe('force_custom_plan');
      const plans = await sql<{ statement: string; generic_plans: number; custom_plans: number }>`
        select statement, generic_plans::int, custom_plans::int from pg_prepared_statements
        where statement like '%from pg_class where%'`.execute(db);
      const of = (text: string) => plans.rows.find((r) => r.statement.includes(text));
      expect(of('relkind =')).toMatchObject({ generic_plans: 5, custom_plans: 0 });
      expect(of('relpages >=')).toMatchObject({ generic_plans: 0, custom_plans: 3 });
    });
  });
});
