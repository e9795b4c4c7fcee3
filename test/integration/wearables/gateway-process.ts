import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const bin = resolve(import.meta.dirname, '../../../bin/context-vault.js');

/** A gateway running as its own process (`context-vault serve`), as in production: it can be killed with SIGKILL. */
export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  pid: number;
  /** Everything it printed (logs carry no PHI; tests check that too). */
  output(): string;
  /** Resident memory now and at its peak (VmRSS, VmHWM), in bytes. */
  memory(): { rss: number; peak: number };
  /** Resets the peak (VmHWM) to the current resident size, so that `memory().peak` is the peak since. */
  resetPeak(): void;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const children = new Set<ChildProcess>();
const dirs: string[] = [];

/** A temporary directory that cleanUp() removes. */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** Kills every gateway a test file started and left running, and removes its temporary directories (afterAll). */
export function cleanUp(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
}

export async function startGateway(dataDir: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [...nodeArgs, bin, 'serve'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', DOCKER_HOST: 'unix:///nonexistent/docker.sock', VAULT_DATA_DIR: dataDir, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((ok, fail) => {
    const t = setTimeout(() => fail(new Error(`the gateway printed no URL:\n${out}`)), 90_000);
    child.stdout!.on('data', () => {
      const m = out.match(/running at (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) (clearTimeout(t), ok(m[1]));
    });
    child.once('exit', (code) => (clearTimeout(t), fail(new Error(`the gateway exited (${code}):\n${out}`))));
  });
  const status = () => readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = (s: string, key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(s)?.[1] ?? 0) * 1024;
  return {
    child,
    url,
    pid: child.pid!,
    output: () => out,
    memory: () => {
      const s = status();
      return { rss: kb(s, 'VmRSS'), peak: kb(s, 'VmHWM') };
    },
    resetPeak: () => writeFileSync(`/proc/${child.pid}/clear_refs`, '5'),
    kill: (signal = 'SIGKILL') =>
      new Promise<void>((ok) => {
        if (child.exitCode !== null || child.signalCode !== null) return ok();
        child.once('exit', () => ok());
        child.kill(signal);
      }),
  };
}

/** Signs up over HTTP; returns the bearer token and user id. */
export async function signupOver(url: string, email = `u-${Math.random().toString(36).slice(2, 10)}@example.test`): Promise<{ token: string; userId: string }> {
  const r = await fetch(`${url}/api/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'a long enough password' }) });
  const body = (await r.json()) as { token: string; user: { id: string } };
  if (r.status !== 201) throw new Error(`signup failed: ${r.status} ${JSON.stringify(body)}`);
  return { token: body.token, userId: body.user.id };
}

export async function jobOver(url: string, token: string, jobId: string): Promise<{ status: string; error?: string; result?: any; progress: { done: number; total: number | null } }> {
  const r = await fetch(`${url}/api/jobs/${jobId}`, { headers: { authorization: `Bearer ${token}` } });
  return (await r.json()) as any;
}

/** The job once it is no longer queued or running (or after a minute). */
export async function settledJob(url: string, token: string, jobId: string): ReturnType<typeof jobOver> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const job = await jobOver(url, token, jobId);
    if ((job.status !== 'running' && job.status !== 'queued') || Date.now() > deadline) return job;
    await new Promise((ok) => setTimeout(ok, 100));
  }
}
