import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** `serve` on a port another program holds: one clear line and a documented exit code, no stack trace. */
const bin = resolve(import.meta.dirname, '../../../bin/context-vault.js');
let blocker: Server;
let port: number;
const dataDir = mkdtempSync(join(tmpdir(), 'cv-busy-'));

beforeAll(async () => {
  blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  port = (blocker.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((r) => blocker.close(() => r()));
  rmSync(dataDir, { recursive: true, force: true });
});

describe('serve on a busy port', () => {
  it('prints one line naming the port and what to do, exits with 98', () => {
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'silent', DOCKER_HOST: 'unix:///nonexistent/docker.sock', VAULT_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' };
    const r = spawnSync(process.execPath, [bin, 'serve'], { env, encoding: 'utf8', timeout: 90_000 });
    expect(r.status).toBe(98);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`127.0.0.1:${port}`);
    expect(lines[0]).toMatch(/already in use/);
    expect(lines[0]).toMatch(/PORT/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).not.toContain('running at');
  });
});
