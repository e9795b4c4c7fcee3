import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { vi } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';

/** Helpers of the browser tests: Debian's Chromium, a real gateway on loopback, the built client. */

// A real browser on a shared 2-core machine: give polled UI states (an answer finishing, a job
// ending) more than vitest's 1 s default before calling them failures.
// (The benchmark imports these helpers outside vitest, where there is no config to set.)
if (process.env.VITEST) vi.setConfig({ expect: { poll: { timeout: 20_000, interval: 50 } } });

export const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SHOTS = join(ROOT, 'test-results', 'web');

/** Whether browser tests can run here; with CV_REQUIRE_BROWSER=1 a missing browser is a failure, not a skip. */
export function browserAvailable(): boolean {
  const ok = existsSync(CHROMIUM);
  if (!ok && process.env.CV_REQUIRE_BROWSER === '1') throw new Error(`CV_REQUIRE_BROWSER=1 but ${CHROMIUM} is missing (apt-get install -y chromium)`);
  return ok;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Builds the client when dist/web is missing or older than src/web, so the tests never
 * exercise stale assets. A directory lock keeps parallel test files from building at once.
 */
export async function ensureWebBuild(): Promise<void> {
  const index = join(ROOT, 'dist', 'web', 'index.html');
  const fresh = () => existsSync(index) && statSync(index).mtimeMs >= newestMtime(join(ROOT, 'src', 'web'));
  if (fresh()) return;
  const lock = join(ROOT, 'dist', '.web-build-lock');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (waited > 60_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (!fresh()) execFileSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(ROOT, 'src', 'web', 'vite.config.ts')], { cwd: ROOT, stdio: 'inherit' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface LiveGateway {
  rt: TestRuntime;
  url: string;
  close(): Promise<void>;
}

/**
 * The real gateway (PGlite) listening on 127.0.0.1 with a random port. The socket is bound
 * first so PUBLIC_URL (OAuth redirect URIs) can name the real address.
 */
export async function startGateway(env: Record<string, string> = {}, opts: Parameters<typeof createTestRuntime>[1] = {}): Promise<LiveGateway> {
  await ensureWebBuild();
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let rt: TestRuntime;
  try {
    rt = await createTestRuntime({ PUBLIC_URL: url, ...env }, opts);
  } catch (e) {
    server.close();
    throw e;
  }
  handler = getRequestListener(rt.app.fetch);
  await rt.deps.jobs.start();
  return {
    rt,
    url,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await rt.destroy();
    },
  };
}

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

/** A browser context whose page errors and CSP violations fail the test that collects them. */
export async function newContext(browser: Browser, baseURL: string, viewport = DESKTOP): Promise<{ ctx: BrowserContext; problems: string[] }> {
  const ctx = await browser.newContext({ baseURL, viewport, acceptDownloads: true });
  const problems: string[] = [];
  ctx.on('weberror', (e) => problems.push(`page error: ${e.error().message}`));
  ctx.on('console', (m) => {
    // 4xx answers the app handles (401 before sign-in, 404 probes) are logged by Chromium as errors; those are expected.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  mkdirSync(SHOTS, { recursive: true });
  return { ctx, problems };
}

/** The password every browser test signs up with. */
export const PASSWORD = 'a long enough password';

/** Signs up on the sign-up screen and waits for the chat screen. */
export async function signUp(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.goto('/signup');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/chat');
}
