import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { PGliteLink, type WireProtocolEngine } from './pglite-link.ts';

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
  /** Told when an idle pooled connection breaks (server restart, admin termination). */
  onIdleError?: (e: Error) => void;
}

/**
 * SQL text that begins with this comment is sent as a named prepared statement: parsed and
 * analysed once per connection instead of at every call (the retrieval statement is long).
 */
export const PREPARED = '/* prepared */ ';

/**
 * Like PREPARED, and the statement runs on a generic plan: planned once per connection and reused,
 * instead of planned again for each call's values. For statements whose plan cannot depend on the
 * values (inserts and lookups by key), or whose caller knows the data is small enough for any plan
 * to be fast (see Retriever): planning the retrieval statement takes longer than running it on a
 * small vault.
 */
export const PREPARED_GENERIC = '/* prepared generic */ ';

type PlanMode = 'custom' | 'generic';

/**
 * Session settings of every connection. pgvector 0.8's iterative index scans keep walking the
 * HNSW index until enough rows pass the permission filter (a custom placeholder setting is
 * harmless where the extension is absent). Plans stay custom: a generic plan of the retrieval
 * statement cannot know how selective the question's words are and is many times slower on a
 * large vault (PL/pgSQL functions that want plan reuse say so themselves, as ai_readable does).
 * Statements marked PREPARED or PREPARED_GENERIC go out as named statements; a PREPARED_GENERIC
 * one switches the session to generic plans first, and any other statement back to custom plans
 * (the setting applies to every statement of the session, so it follows the statement that runs).
 * `sharedSession`: every connection the pool opens is the same database session (PGlite's only
 * backend), so a new one first drops what an earlier one prepared; the names would collide.
 */
function onConnect(pool: pg.Pool, opts: { sharedSession?: boolean } = {}): pg.Pool {
  const setup = `${opts.sharedSession ? 'deallocate all; ' : ''}set hnsw.iterative_scan = relaxed_order; set plan_cache_mode = force_custom_plan`;
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...a: unknown[]) => Promise<unknown>;
    // One statement for both settings, and the client's first query waits for it: pg queues a
    // query issued while another runs, but deprecates that (pg 9 refuses it).
    let settings: Promise<unknown> | undefined = query(setup)
      .catch(() => undefined)
      .finally(() => (settings = undefined));
    // The session's plan mode as last set here (undefined: unknown after a failed switch).
    let mode: PlanMode | undefined = 'custom';
    const switchTo = (want: PlanMode) => {
      mode = want;
      return query(`set plan_cache_mode = force_${want}_plan`).catch((e: unknown) => {
        mode = undefined;
        throw e;
      });
    };
    const names = new Map<string, string>();
    const send = (config: unknown, values?: unknown, callback?: unknown) => {
      const named = typeof config === 'string' && (config.startsWith(PREPARED) || config.startsWith(PREPARED_GENERIC));
      if (!named) return query(config, values, callback);
      let name = names.get(config);
      if (!name) names.set(config, (name = `cv_${createHash('sha256').update(config).digest('hex').slice(0, 24)}`));
      return query({ name, text: config, values }, callback);
    };
    (client as { query: unknown }).query = (config: unknown, values?: unknown, callback?: unknown) => {
      // Only promise-style calls (kysely's) can wait; a callback or submittable goes out at once.
      const waits = typeof values !== 'function' && typeof callback !== 'function' && typeof (config as { submit?: unknown })?.submit !== 'function';
      if (!waits) return send(config, values, callback);
      const want: PlanMode = typeof config === 'string' && config.startsWith(PREPARED_GENERIC) ? 'generic' : 'custom';
      // A transaction's BEGIN is an ordinary statement, so it runs in custom mode: a rollback of a
      // switch made inside the transaction can only return the session to custom plans (at worst
      // the next generic statement runs on a custom plan, until an ordinary one resets the mode).
      if (!settings && want === mode) return send(config, values);
      return (settings ?? Promise.resolve())
        .then(() => (want === mode ? undefined : switchTo(want)))
        .then(() => send(config, values));
    };
  });
  return pool;
}

export async function connectDatabase(opts: ConnectOptions): Promise<DatabaseHandle> {
  if (opts.databaseUrl) {
    const pool = onConnect(new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 }));
    // Without a listener, an idle connection the server drops (a restart, a failover, an
    // administrator's termination) is an uncaught error that ends the process. The pool discards
    // that connection and the next query opens a new one.
    pool.on('error', (e) => opts.onIdleError?.(e));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  return connectEmbedded(opts.dataDir);
}

/** Lock files this process holds (a pid alone cannot tell this process from a dead one that had the same pid). */
const heldLocks = new Set<string>();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Takes the data directory's lock file (created exclusively, holding our pid). PGlite has no
 * lock of its own, and two processes writing the same files diverge and corrupt them. A lock
 * whose process is gone (killed, crashed) is taken over.
 */
export function lockDataDir(dataDir: string): { path: string; release(): void } {
  const dir = resolve(dataDir);
  const path = join(dir, 'context-vault.lock');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      heldLocks.add(path);
      const release = () => {
        if (!heldLocks.delete(path)) return;
        if (readLock(path)?.trim() === String(process.pid)) rmSync(path, { force: true });
      };
      return { path, release };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const seen = readLock(path);
    if (seen === undefined) continue; // released meanwhile: try again
    const pid = Number.parseInt(seen.trim(), 10);
    const ours = pid === process.pid && heldLocks.has(path);
    if (Number.isInteger(pid) && pid > 0 && (ours || (pid !== process.pid && pidAlive(pid)))) {
      throw new Error(
        `The data directory ${dir} is in use by another context-vault process (pid ${pid}${ours ? ', this one' : ''}); ` +
          `stop it first or set VAULT_DATA_DIR to another directory. If no such process runs, delete ${path}.`,
      );
    }
    // Stale: move it aside (atomic, so of two processes taking over only one succeeds), and put
    // it back if what was moved turns out to be a fresh lock another process took meanwhile.
    const aside = `${path}.${process.pid}.stale`;
    try {
      renameSync(path, aside);
    } catch {
      continue;
    }
    if (readLock(aside) !== seen) renameSync(aside, path);
    else rmSync(aside, { force: true });
  }
  throw new Error(`Could not take the lock ${path} of the data directory ${dir}; is another context-vault process starting?`);
}

/**
 * PGlite behind the same `pg` driver as production, speaking the wire protocol over an
 * in-process link (src/db/pglite-link.ts) instead of a socket. One connection: PGlite is
 * single-threaded, and a second connection waiting while a transaction is open on the first
 * would deadlock.
 */
async function connectEmbedded(dataDir: string): Promise<DatabaseHandle> {
  const [{ PGlite }, { vector }] = await Promise.all([import('@electric-sql/pglite'), import('@electric-sql/pglite-pgvector')]);
  const inMemory = dataDir === 'memory://';
  let pgDir: string | undefined;
  const lock = inMemory ? undefined : lockDataDir(dataDir);
  // A process that exits without close() (process.exit, an uncaught error) still frees the directory.
  const releaseOnExit = () => lock?.release();
  if (lock) process.once('exit', releaseOnExit);
  let lite: Awaited<ReturnType<typeof PGlite.create>> | undefined;
  try {
    if (!inMemory) {
      pgDir = resolve(dataDir, 'pglite');
      mkdirSync(pgDir, { recursive: true, mode: 0o700 });
    }
    lite = await PGlite.create({ dataDir: pgDir, extensions: { vector } });
  } catch (e) {
    process.off('exit', releaseOnExit);
    lock?.release();
    throw e;
  }
  const liteDb = lite;
  const pool = embeddedPool(liteDb);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    kind: 'embedded',
    async close() {
      if (closed) return;
      closed = true;
      try {
        await db.destroy();
        await liteDb.close();
      } finally {
        process.off('exit', releaseOnExit);
        lock?.release();
      }
    },
  };
}

/**
 * The pool of the embedded database: one connection at a time over an in-process link, kept
 * open while idle (closing it gains nothing; a new one starts from the same session anyway).
 */
export function embeddedPool(engine: WireProtocolEngine): pg.Pool {
  const pool = new pg.Pool({ stream: () => new PGliteLink(engine), user: 'postgres', database: 'postgres', max: 1, idleTimeoutMillis: 0 });
  return onConnect(pool, { sharedSession: true });
}

/** True when the pgvector extension is installed in this database. */
export async function hasVectorExtension(db: Kysely<Database>): Promise<boolean> {
  const r = await sql<{ n: number }>`select count(*)::int as n from pg_extension where extname = 'vector'`.execute(db);
  return (r.rows[0]?.n ?? 0) > 0;
}
