import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../helpers/runtime.ts';

const bin = resolve(import.meta.dirname, '../../../bin/context-vault.js');
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'cv-cli-'));
  dirs.push(d);
  return d;
};
let database: { url: string; drop: () => Promise<void> } | undefined;
beforeAll(async () => {
  if (process.env.TEST_DATABASE_URL) database = await createTestDatabase();
});
afterAll(async () => {
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  await database?.drop();
});

function baseEnv(extra: Record<string, string>) {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', DOCKER_HOST: 'unix:///nonexistent/docker.sock', ...extra };
  if (database) env.DATABASE_URL = database.url;
  return env;
}

describe('npx context-vault', () => {
  it('serve: starts on the embedded default with a generated 0600 dev key, prints the URL, stops on SIGTERM', async () => {
    const dataDir = tmp();
    const child = spawn(process.execPath, [bin, 'serve'], { env: baseEnv({ VAULT_DATA_DIR: dataDir, PORT: '0' }), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const url = await new Promise<string>((ok, fail) => {
      const t = setTimeout(() => fail(new Error(`no URL printed:\n${out}`)), 60_000);
      child.stdout.on('data', () => {
        const m = out.match(/running at (http:\/\/127\.0\.0\.1:\d+)/);
        if (m) (clearTimeout(t), ok(m[1]));
      });
    });
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    if (!process.env.TEST_DATABASE_URL) expect(statSync(join(dataDir, 'pglite')).isDirectory()).toBe(true);
    expect(statSync(join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);
    const code = await new Promise<number | null>((ok) => {
      child.on('exit', ok);
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });

  it('refuses to start in production without VAULT_MASTER_KEY, naming the variable', () => {
    const dataDir = tmp();
    const r = spawnSync(process.execPath, [bin, 'serve'], { env: baseEnv({ NODE_ENV: 'production', VAULT_DATA_DIR: dataDir }), encoding: 'utf8', timeout: 60_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/VAULT_MASTER_KEY: required when NODE_ENV=production/);
    expect(() => statSync(join(dataDir, 'master.key'))).toThrow();
  });

  it('a bad variable stops the process with a message naming it', () => {
    const r = spawnSync(process.execPath, [bin, 'serve'], { env: baseEnv({ VAULT_DATA_DIR: tmp(), PORT: 'http' }), encoding: 'utf8', timeout: 60_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/PORT/);
  });

  it('migrate and user add work from the command line', () => {
    const dataDir = tmp();
    const env = baseEnv({ VAULT_DATA_DIR: dataDir });
    const m = spawnSync(process.execPath, [bin, 'migrate'], { env, encoding: 'utf8', timeout: 60_000 });
    expect(m.status, m.stderr).toBe(0);
    expect(m.stdout).toMatch(/applied \d+ migration/);
    const email = `cli-${Date.now()}@example.test`;
    const u = spawnSync(process.execPath, [bin, 'user', 'add', email], { env: { ...env, CV_PASSWORD: 'a long enough password' }, encoding: 'utf8', timeout: 60_000 });
    expect(u.status, u.stderr).toBe(0);
    expect(u.stdout).toContain(email);
    const dup = spawnSync(process.execPath, [bin, 'user', 'add', email], { env: { ...env, CV_PASSWORD: 'a long enough password' }, encoding: 'utf8', timeout: 60_000 });
    expect(dup.status).not.toBe(0);
    expect(dup.stderr).toMatch(/already exists/);
  });

  it('user add refuses a guessable password with one line of advice and makes no account', () => {
    const env = baseEnv({ VAULT_DATA_DIR: tmp() });
    const weakEmail = `weak-${Date.now()}@example.test`;
    const weak = spawnSync(process.execPath, [bin, 'user', 'add', weakEmail], { env: { ...env, CV_PASSWORD: 'aaaaaaaaaa' }, encoding: 'utf8', timeout: 60_000 });
    expect(weak.status).toBe(1);
    expect(weak.stderr.trim().split('\n')).toHaveLength(1);
    expect(weak.stderr).toMatch(/too easy to guess/);
    expect(weak.stderr).not.toContain('aaaaaaaaaa');
    const retry = spawnSync(process.execPath, [bin, 'user', 'add', weakEmail], { env: { ...env, CV_PASSWORD: 'violet kettle marches north' }, encoding: 'utf8', timeout: 60_000 });
    expect(retry.status, retry.stderr).toBe(0);
  }, 180_000);
});
