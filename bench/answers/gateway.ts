import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Gateway {
  url: string;
  stop(): Promise<void>;
}

/**
 * The gateway as a user runs it (`tsx src/cli.ts serve`), in a child process with its own data
 * directory and master key, the test model server as its external Ollama.
 */
export async function startGateway(opts: { ollamaUrl: string; databaseUrl?: string }): Promise<Gateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cv-answers-'));
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dataDir,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    MODEL_BACKEND: 'external',
    OLLAMA_URL: opts.ollamaUrl,
    CHAT_MODEL: 'test-chat',
    EMBED_MODEL: 'test-embed',
    VAULT_DATA_DIR: dataDir,
    VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
  };
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode}: ${stderr}`);
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`the gateway did not answer /health within 60 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Postgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * PostgreSQL without pgvector: `ANSWERS_PG_URL` when set (a fresh database is created on it),
 * else a throwaway server of Debian's binaries (initdb as `postgres`, since the bench may run
 * as root), else undefined (the bench says it was skipped).
 */
export async function startPostgres(adminUrl = process.env.ANSWERS_PG_URL): Promise<Postgres | undefined> {
  if (adminUrl) return freshDatabase(adminUrl, async () => undefined);
  const base = '/usr/lib/postgresql';
  const version = existsSync(base) ? readdirSync(base).sort((a, b) => Number(b) - Number(a)).find((v) => existsSync(join(base, v, 'bin/initdb'))) : undefined;
  if (!version) return undefined;
  const bin = join(base, version, 'bin');
  const dir = mkdtempSync(join(tmpdir(), 'cv-answers-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const port = await freePort();
  const asPostgres = (cmd: string) => {
    const asRoot = process.getuid?.() === 0;
    const r = asRoot ? spawnSync('su', ['postgres', '-c', cmd], { encoding: 'utf8' }) : spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd.split(' ')[0]} failed: ${r.stderr || r.stdout}`);
  };
  asPostgres(`${bin}/initdb -D ${data} -U postgres --auth=trust -E UTF8 --no-sync > ${dir}/initdb.log 2>&1`);
  asPostgres(`${bin}/pg_ctl -D ${data} -l ${dir}/server.log -w -o "-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off" start > /dev/null`);
  const stop = async () => {
    try {
      asPostgres(`${bin}/pg_ctl -D ${data} -m fast -w stop > /dev/null`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    return await freshDatabase(`postgres://postgres@127.0.0.1:${port}/postgres`, stop);
  } catch (e) {
    await stop();
    throw e;
  }
}

async function freshDatabase(adminUrl: string, stopServer: () => Promise<void>): Promise<Postgres> {
  const { default: pg } = await import('pg');
  const name = `cv_answers_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async stop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect().then(() => c.query(`drop database if exists ${name} with (force)`)).catch(() => undefined);
      await c.end().catch(() => undefined);
      await stopServer();
    },
  };
}
