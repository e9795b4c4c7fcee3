import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webRoutes } from '../../../src/gateway/routes/web.ts';
import { ensureWebBuild } from './browser.ts';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';

/** How the gateway serves the built client (no browser needed). */
describe('web client assets from the gateway', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    await ensureWebBuild();
    rt = await createTestRuntime();
  });
  afterAll(async () => {
    await rt?.destroy();
  });

  it('answers client routes with index.html under a self-only CSP', async () => {
    for (const path of ['/', '/chat', '/vault/5f0c5d5e-0000-4000-8000-000000000000', '/connections?connected=epic']) {
      const res = await rt.app.request(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(await res.text()).toMatch(/<script type="module" crossorigin src="\/assets\/[^"]+\.js"><\/script>/);
    }
  });

  it('serves hashed assets precompressed and cached for a year; a missing one is a 404, not the page', async () => {
    const html = await (await rt.app.request('/')).text();
    const js = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1];
    const br = await rt.app.request(js, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(br.status).toBe(200);
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('content-type')).toMatch(/javascript/);
    expect(br.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const plain = await rt.app.request(js);
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect((await plain.text()).length).toBeGreaterThan(Number(br.headers.get('content-length')));
    const missing = await rt.app.request('/assets/nope-123.js');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/json/);
  });

  it('leaves API, health, metrics and .well-known paths to the server', async () => {
    const api = await rt.app.request('/api/nothing-here');
    expect(api.headers.get('content-type')).toMatch(/json/);
    expect(api.status).not.toBe(200);
    expect((await rt.app.request('/health')).headers.get('content-type')).toMatch(/json/);
    const wellKnown = await rt.app.request('/.well-known/nothing-here');
    expect(wellKnown.headers.get('content-type')).not.toMatch(/html/);
    // Unsafe methods are never answered with the page.
    const post = await rt.app.request('/chat', { method: 'POST' });
    expect(post.status).toBe(404);
  });

  it('says how to build when the client is missing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'cv-web-empty-'));
    try {
      const app = new Hono().route('/', webRoutes(empty));
      const res = await app.request('/vault');
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('npm run build:web');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
