import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../../src/db/connect.ts';
import { loadConfig } from '../../../src/config.ts';
import { loadMasterKeyring } from '../../../src/vault/master-key.ts';
import { rotateKeys } from '../../../src/vault/rotate.ts';

const script = resolve(import.meta.dirname, 'fixtures/open-data-dir.ts');
const dirs: string[] = [];
const children: ChildProcess[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'cv-lock-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

/** Opens the data dir in another process and returns what it reported ("opened" or "error: …"). */
function tryInChild(dataDir: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, dataDir, 'try'], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** A child process holding the data dir open until it is signalled. */
async function holdInChild(dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir, 'hold'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  await new Promise<void>((ok, fail) => {
    const t = setTimeout(() => fail(new Error(`child did not open the database:\n${out}`)), 60_000);
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('ready')) (clearTimeout(t), ok());
      if (out.includes('error:')) (clearTimeout(t), fail(new Error(out)));
    });
    child.on('exit', () => (clearTimeout(t), fail(new Error(`child exited:\n${out}`))));
  });
  return child;
}

const exited = (c: ChildProcess) => new Promise<void>((ok) => (c.exitCode !== null || c.signalCode !== null ? ok() : c.once('exit', () => ok())));

describe('the embedded data directory is opened by one process at a time', () => {
  // One directory for every case, in order: a new one costs a full initdb.
  let dataDir: string;
  it('a second process is refused with a clear message while the first holds it; the first keeps working', async () => {
    dataDir = tmp();
    const handle = await connectDatabase({ dataDir });
    try {
      await sql`create table if not exists probe (n int)`.execute(handle.db);
      const r = tryInChild(dataDir);
      expect(r.status).toBe(3);
      expect(r.out).toContain(`The data directory ${resolve(dataDir)} is in use by another context-vault process (pid ${process.pid})`);
      expect(r.out).toMatch(/stop it first or set VAULT_DATA_DIR/);
      // The refused process touched nothing: the holder still reads and writes.
      await sql`insert into probe values (1)`.execute(handle.db);
      expect((await sql<{ n: number }>`select count(*)::int as n from probe`.execute(handle.db)).rows[0].n).toBe(1);
      // A second open inside this same process is refused too.
      await expect(connectDatabase({ dataDir })).rejects.toThrow(/in use by another context-vault process/);
    } finally {
      await handle.close();
    }
    // Closing releases it: now another process can open it.
    expect(existsSync(join(dataDir, 'context-vault.lock'))).toBe(false);
    expect(tryInChild(dataDir).out).toContain('opened');
  });

  it('this process is refused while a child holds it, and may open it after the child stops', async () => {
    const child = await holdInChild(dataDir);
    expect(readFileSync(join(dataDir, 'context-vault.lock'), 'utf8').trim()).toBe(String(child.pid));
    await expect(connectDatabase({ dataDir })).rejects.toThrow(`is in use by another context-vault process (pid ${child.pid})`);
    child.kill('SIGTERM');
    await exited(child);
    const handle = await connectDatabase({ dataDir });
    await handle.close();
  });

  it('a stale lock carrying this process\'s own pid (a restarted container is often pid 1 again) is taken over', async () => {
    writeFileSync(join(dataDir, 'context-vault.lock'), `${process.pid}\n`);
    const handle = await connectDatabase({ dataDir });
    await handle.close();
    expect(existsSync(join(dataDir, 'context-vault.lock'))).toBe(false);
  });

  it('keys rotate on a data directory in use is refused before the development key file changes', async () => {
    const config = loadConfig({ NODE_ENV: 'test', VAULT_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    loadMasterKeyring(config); // generates master.key
    const keyFile = readFileSync(join(dataDir, 'master.key'), 'utf8');
    const handle = await connectDatabase({ dataDir });
    try {
      await expect(rotateKeys(config)).rejects.toThrow(/in use by another context-vault process/);
      expect(readFileSync(join(dataDir, 'master.key'), 'utf8')).toBe(keyFile);
      expect(existsSync(join(dataDir, 'master.key.previous'))).toBe(false);
    } finally {
      await handle.close();
    }
  });

  it('a lock left by a killed process is taken over', async () => {
    const child = await holdInChild(dataDir);
    child.kill('SIGKILL');
    await exited(child);
    expect(readFileSync(join(dataDir, 'context-vault.lock'), 'utf8').trim()).toBe(String(child.pid));
    const handle = await connectDatabase({ dataDir });
    try {
      expect(readFileSync(join(dataDir, 'context-vault.lock'), 'utf8').trim()).toBe(String(process.pid));
      expect((await sql<{ one: number }>`select 1 as one`.execute(handle.db)).rows[0].one).toBe(1);
    } finally {
      await handle.close();
    }
  });
});
