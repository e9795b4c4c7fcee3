import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { loadConfig, type Config } from '../../src/config.ts';
import { buildRuntime, type Runtime } from '../../src/main.ts';
import { Metrics } from '../../src/lib/metrics.ts';
import { UnconfiguredModelPool } from '../../src/pool/unconfigured-model-pool.ts';
import type { ModelPool } from '../../src/pool/model-pool.ts';

/**
 * A real gateway for integration tests: PGlite through the same `pg` path as production, or,
 * with TEST_DATABASE_URL set, a fresh database on that PostgreSQL server (e.g. Debian's 15).
 */
export interface TestRuntime extends Runtime {
  config: Config;
  dataDir: string;
  /** JSON request through app.request(); `token` goes in Authorization: Bearer. */
  api(method: string, path: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  signup(email?: string, password?: string): Promise<{ token: string; userId: string; email: string; csrfToken: string }>;
  /** Closes the runtime and removes its database and data dir. */
  destroy(): Promise<void>;
  /** Closes the runtime but keeps its database and files (restart tests). */
  runtimeCloseOnly(): Promise<void>;
}

/** A fresh, empty database on the TEST_DATABASE_URL server, and how to drop it. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `cv_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export async function createTestRuntime(env: Record<string, string> = {}, opts: { pool?: ModelPool } = {}): Promise<TestRuntime> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cv-test-'));
  let dropDb: (() => Promise<void>) | undefined;
  let databaseUrl: string | undefined;
  if (process.env.TEST_DATABASE_URL && !env.DATABASE_URL) ({ url: databaseUrl, drop: dropDb } = await createTestDatabase());
  const config = loadConfig({
    NODE_ENV: 'test',
    VAULT_DATA_DIR: env.VAULT_DATA_DIR ?? dataDir,
    VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PORT: '0',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...env,
  });
  // Unless a test asks for a model backend, none: vault tests must not start containers.
  const wantsBackend = !!(env.MODEL_BACKEND || env.OLLAMA_URL || env.DOCKER_HOST);
  const pool = opts.pool ?? (wantsBackend ? undefined : new UnconfiguredModelPool({ chat: config.CHAT_MODEL, embed: config.EMBED_MODEL }));
  const runtime = await buildRuntime(config, { log: pino({ level: config.LOG_LEVEL }), metrics: new Metrics(), pool });
  const api: TestRuntime['api'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: BodyInit | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await runtime.app.request(path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep text */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    ...runtime,
    config,
    dataDir,
    api,
    async signup(email = `user-${randomUUID().slice(0, 8)}@example.test`, password = 'a long enough password') {
      const r = await api('POST', '/api/auth/signup', { body: { email, password } });
      if (r.status !== 201) throw new Error(`signup failed: ${r.status} ${JSON.stringify(r.body)}`);
      return { token: r.body.token, userId: r.body.user.id, email, csrfToken: r.body.csrfToken };
    },
    async runtimeCloseOnly() {
      await runtime.close();
    },
    async destroy() {
      await runtime.close();
      await dropDb?.();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
