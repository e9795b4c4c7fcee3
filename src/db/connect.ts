import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

/** An open database: kysely on a `pg` pool, whether PGlite (embedded) or PostgreSQL. */
export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly kind: 'embedded' | 'postgres';
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** PostgreSQL URL; unset → embedded PGlite under dataDir. */
  databaseUrl?: string;
  /** Where PGlite keeps its files; `memory://` keeps nothing on disk (tests). */
  dataDir: string;
  poolSize?: number;
}

/**
 * Session settings of every connection. pgvector 0.8's iterative index scans keep walking the
 * HNSW index until enough rows pass the permission filter (a custom placeholder setting is
 * harmless where the extension is absent).
 */
function onConnect(pool: pg.Pool): pg.Pool {
  pool.on('connect', (client) => {
    client.query('set hnsw.iterative_scan = relaxed_order').catch(() => undefined);
  });
  return pool;
}

export async function connectDatabase(opts: ConnectOptions): Promise<DatabaseHandle> {
  if (opts.databaseUrl) {
    const pool = onConnect(new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 }));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  return connectEmbedded(opts.dataDir);
}

/**
 * PGlite served on a private unix socket so that the same `pg` driver path as production is
 * used. One connection: PGlite is single-threaded, and a second connection waiting while a
 * transaction is open on the first would deadlock.
 */
async function connectEmbedded(dataDir: string): Promise<DatabaseHandle> {
  const [{ PGlite }, { vector }, { PGLiteSocketServer }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-pgvector'),
    import('@electric-sql/pglite-socket'),
  ]);
  const inMemory = dataDir === 'memory://';
  let pgDir: string | undefined;
  if (!inMemory) {
    pgDir = resolve(dataDir, 'pglite');
    mkdirSync(pgDir, { recursive: true, mode: 0o700 });
  }
  const lite = await PGlite.create({ dataDir: pgDir, extensions: { vector } });
  // Socket paths are limited to ~107 bytes, so the socket lives in a short private temp dir.
  const sockDir = join(tmpdir(), `cv-${randomBytes(6).toString('hex')}`);
  mkdirSync(sockDir, { mode: 0o700 });
  const server = new PGLiteSocketServer({ db: lite, path: join(sockDir, '.s.PGSQL.5432'), maxConnections: 1 });
  await server.start();
  const pool = onConnect(new pg.Pool({ host: sockDir, port: 5432, user: 'postgres', database: 'postgres', max: 1 }));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    kind: 'embedded',
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
      await server.stop();
      await lite.close();
      rmSync(sockDir, { recursive: true, force: true });
    },
  };
}

/** True when the pgvector extension is installed in this database. */
export async function hasVectorExtension(db: Kysely<Database>): Promise<boolean> {
  const r = await sql<{ n: number }>`select count(*)::int as n from pg_extension where extname = 'vector'`.execute(db);
  return (r.rows[0]?.n ?? 0) > 0;
}
