import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';

// A server-side PostgreSQL only (CI's second run on Debian's PostgreSQL sets TEST_DATABASE_URL).
const url = process.env.TEST_DATABASE_URL;

describe.skipIf(!url)('PostgreSQL drops idle connections', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await createTestRuntime();
  });
  afterAll(() => rt?.destroy());

  it('the gateway survives its idle connections being terminated and answers on new ones', async () => {
    const u = await rt.signup();
    const created = await rt.api('POST', '/api/vault/items', { token: u.token, body: { kind: 'note', title: 'Before the restart' } });
    expect(created.status).toBe(201);
    const { rows } = await sql<{ db: string }>`select current_database() as db`.execute(rt.deps.db);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const killed = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [rows[0].db]);
      expect(killed.rowCount).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    // The termination reaches the idle clients as an error event; unhandled, it would end this process.
    await new Promise((r) => setTimeout(r, 300));
    const listed = await rt.api('GET', '/api/vault/items', { token: u.token });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((i: { title: string }) => i.title)).toEqual(['Before the restart']);
  });
});
