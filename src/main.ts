import { serve, type ServerType } from '@hono/node-server';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { connectDatabase, hasVectorExtension, type DatabaseHandle } from './db/connect.ts';
import { migrateToLatest } from './db/migrate.ts';
import { createLogger } from './logger.ts';
import { loadMasterKeyring } from './vault/master-key.ts';
import { KeyService } from './vault/keys.ts';
import { AccountService } from './vault/accounts.ts';
import { ItemService } from './vault/items.ts';
import { RuleService } from './vault/rules.ts';
import { AuditService } from './vault/audit.ts';
import { JobRunner } from './jobs/job-runner.ts';
import { Metrics } from './lib/metrics.ts';
import { createApp } from './gateway/app.ts';
import { webRoutes } from './gateway/routes/web.ts';
import type { AppDeps, HealthCheck } from './gateway/context.ts';
import { sql } from 'kysely';
import { Retriever } from './retrieval/retriever.ts';
import { EmbeddingService } from './retrieval/embeddings.ts';
import { ConversationStore } from './chat/conversations.ts';
import { ChatService } from './chat/chat-service.ts';
import { createModelPool, poolHealthCheck } from './pool/create-model-pool.ts';
import type { ModelPool } from './pool/model-pool.ts';
import { UnconfiguredModelPool } from './pool/unconfigured-model-pool.ts';
import { registerConnectors } from './connectors/register.ts';
import { wireWearables } from './connectors/wearables-module.ts';

export interface Runtime {
  deps: AppDeps;
  database: DatabaseHandle;
  app: ReturnType<typeof createApp>;
  /** Finishes or removes what imports interrupted by an earlier stop left (run once the jobs runner has started). */
  recoverInterruptedImports(): Promise<void>;
  /** Stops jobs and closes the database (and, later, the model pool). */
  close(): Promise<void>;
}

export interface RuntimeOptions {
  log?: Logger;
  metrics?: Metrics;
  pool?: ModelPool;
  /**
   * For one-off commands (CLI `user add`, `import`, benchmarks): no model pool at all. Creating a
   * Docker pool would reap the serving gateway's containers of the same POOL_INSTANCE (its start
   * removes every container of the instance it does not own) and warm containers for nothing.
   * Model work such commands cause (embeddings of imported items) stays queued in the database
   * for the serving gateway.
   */
  withoutModels?: boolean;
}

/**
 * The composition root: builds every dependency once from the validated config and wires
 * them into the gateway. Tests call it with their own config; `serve` adds the HTTP server.
 */
export async function buildRuntime(config: Config, opts: RuntimeOptions = {}): Promise<Runtime> {
  const log = opts.log ?? createLogger(config.LOG_LEVEL);
  const { keyring, generated } = loadMasterKeyring(config);
  if (generated) log.warn({ dataDir: config.VAULT_DATA_DIR }, 'generated a development master key in the data directory (mode 0600); set VAULT_MASTER_KEY in production');
  const database = await connectDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.VAULT_DATA_DIR,
    onIdleError: (e) => log.warn({ code: (e as { code?: string }).code }, 'an idle database connection was closed by the server; the next query reconnects'),
  });
  let vector = false;
  try {
    const report = await migrateToLatest(database.db);
    vector = report.vector;
    if (report.applied.length) log.info({ applied: report.applied.length }, 'database migrated');
    if (!report.vector) log.warn('the database has no pgvector extension: retrieval will be lexical only');
    // Finishes an interrupted rotation: anything still wrapped by a previous key moves to the current one.
    const { rewrapped, unreadable } = await new KeyService(database.db, keyring).rewrapAll();
    if (rewrapped) log.info({ rewrapped }, 're-wrapped data keys with the current master key');
    if (unreadable) log.error({ unreadable }, 'data keys wrapped by a master key that is not configured: those accounts cannot be read until it is added to VAULT_PREVIOUS_MASTER_KEYS');
  } catch (e) {
    await database.close();
    throw e;
  }
  const db = database.db;
  const metrics = opts.metrics ?? new Metrics({ defaultMetrics: true });
  const keys = new KeyService(db, keyring);
  const accounts = new AccountService(db, keys, {
    sessionTtlS: config.SESSION_TTL_S,
    maxFailuresPerAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
    maxFailuresPerAddress: config.LOGIN_MAX_FAILURES_PER_ADDRESS,
    windowS: config.LOGIN_WINDOW_S,
  });
  const items = new ItemService(db, keys);
  const rules = new RuleService(db, items);
  const audit = new AuditService(db);
  const jobs = new JobRunner(db, log.child({ subsystem: 'jobs' }));
  const health: HealthCheck[] = [
    {
      name: 'database',
      required: true,
      async check() {
        const started = performance.now();
        await sql`select 1`.execute(db);
        const vector = await hasVectorExtension(db);
        return {
          ok: true,
          kind: database.kind,
          latencyMs: Math.round((performance.now() - started) * 10) / 10,
          vector: vector ? 'present' : 'absent',
          retrieval: vector ? 'hybrid' : 'lexical only',
        };
      },
    },
  ];
  // The pool starts in the background (warm-up never blocks start-up); health shows its state.
  const pool =
    opts.pool ??
    (opts.withoutModels
      ? new UnconfiguredModelPool({ chat: config.CHAT_MODEL, embed: config.EMBED_MODEL }, 'this process runs no model pool (a command-line run); the serving gateway does the model work')
      : await createModelPool(config, { log, metrics }));
  health.push(poolHealthCheck(pool, config.MODEL_BACKEND !== undefined));
  await pool.start();
  const csrfSecret = keyring.deriveSecret('csrf/v1');
  const retriever = new Retriever(db, keys, { vector, embedModel: config.EMBED_MODEL });
  const embeddings = new EmbeddingService({ db, pool, audit, jobs, retriever, items, log: log.child({ subsystem: 'embeddings' }) }, { enabled: vector, model: config.EMBED_MODEL });
  await embeddings.start();
  const conversations = new ConversationStore(db, keys);
  const chat = new ChatService({ pool, retriever, audit, conversations, log: log.child({ subsystem: 'chat' }) }, { chatModel: config.CHAT_MODEL, embedModel: config.EMBED_MODEL, numCtx: config.NUM_CTX });
  accounts.onDeleting((userId) => chat.endStreamsOf(userId));
  const deps: AppDeps = { config, log, db, accounts, items, rules, audit, jobs, metrics, pool, health, csrfSecret, retriever, embeddings, conversations, chat, mounts: [] };
  registerConnectors({ config, db, keys, items, jobs, log, mounts: deps.mounts!, health });
  const wearables = wireWearables(deps, keys);
  // The web client. Its SPA fallback passes /api, /v1, /health and /metrics on, so mount order does not matter.
  deps.mounts!.push({ path: '/', app: webRoutes() });
  const app = createApp(deps);
  return {
    deps,
    database,
    app,
    recoverInterruptedImports: () => wearables.appleHealth.recoverAll(),
    async close() {
      embeddings.stop();
      await jobs.stop();
      await pool.close().catch((e: Error) => log.error({ err: e.message }, 'closing the model pool failed'));
      await database.close();
    },
  };
}

/** Starts the HTTP server; resolves once it listens. SIGTERM/SIGINT close everything. */
export async function serveGateway(config: Config): Promise<{ runtime: Runtime; server: ServerType; url: string }> {
  const runtime = await buildRuntime(config);
  await runtime.deps.jobs.start();
  // Before anyone can read a conversation: answers a crash cut off show as failed, not as still streaming.
  const cutOff = await runtime.deps.conversations.failInterruptedAnswers();
  if (cutOff) runtime.deps.log.warn({ answers: cutOff }, 'answers cut off by a crash of the previous process were marked error (partial text kept)');
  // After the runner has failed the imports a stopped process left running: finish or remove
  // what they staged, in the background (a large leftover must not delay listening).
  void runtime.recoverInterruptedImports().catch((e: Error) => runtime.deps.log.error({ err: e.message }, 'sweep of interrupted imports failed'));
  let server: ServerType;
  try {
    server = await new Promise<ServerType>((resolve, reject) => {
      const s = serve({ fetch: runtime.app.fetch, port: config.PORT, hostname: config.HOST }, () => resolve(s));
      s.once('error', reject);
    });
  } catch (e) {
    await runtime.close().catch(() => undefined);
    throw listenError(e as NodeJS.ErrnoException, config);
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const url = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    runtime.deps.log.info({ signal }, 'shutting down');
    server.close();
    await runtime.close().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  return { runtime, server, url };
}

/** A listen failure the person can act on (CLI `serve` prints its message alone and exits with `exitCode`). */
export class ListenError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'ListenError';
  }
}

function listenError(e: NodeJS.ErrnoException, config: Config): Error {
  const where = `${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${config.PORT}`;
  // 98 is Linux's EADDRINUSE: scripts and service managers can tell "port taken" from other failures.
  if (e.code === 'EADDRINUSE') return new ListenError(`${where} is already in use (another context-vault or another program listens there): stop it, or set PORT (or HOST) to a free address.`, 98);
  if (e.code === 'EACCES') return new ListenError(`not allowed to listen on ${where} (ports below 1024 need privileges): set PORT to 1024 or above.`, 77);
  if (e.code === 'EADDRNOTAVAIL') return new ListenError(`${config.HOST} is not an address of this machine: set HOST to one of its addresses (e.g. 127.0.0.1 or 0.0.0.0).`, 78);
  return e;
}
