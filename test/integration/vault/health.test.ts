import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { buildRuntime, type Runtime } from '../../../src/main.ts';
import { Metrics } from '../../../src/lib/metrics.ts';
import { createLogger } from '../../../src/logger.ts';
import { createTestDatabase } from '../../helpers/runtime.ts';

let rt: Runtime;
/** With TEST_DATABASE_URL (CI: Debian's PostgreSQL 15, no pgvector) the lexical-only fallback is checked. */
const pgServer = process.env.TEST_DATABASE_URL;
let pgUrl: string | undefined;
let dropDb: (() => Promise<void>) | undefined;
let dataDir: string;
const lines: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'cv-health-'));
  if (pgServer) ({ url: pgUrl, drop: dropDb } = await createTestDatabase());
  const sink = new Writable({ write(chunk, _enc, cb) { lines.push(...String(chunk).split('\n').filter(Boolean)); cb(); } });
  const config = loadConfig({ NODE_ENV: 'test', VAULT_DATA_DIR: dataDir, VAULT_MASTER_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'info', DOCKER_HOST: 'unix:///nonexistent/docker.sock', ...(pgUrl ? { DATABASE_URL: pgUrl } : {}) });
  rt = await buildRuntime(config, { log: createLogger('info', sink as unknown as pino.DestinationStream), metrics: new Metrics() });
});
afterAll(async () => {
  await rt?.close();
  await dropDb?.();
  rmSync(dataDir, { recursive: true, force: true });
});

const req = (path: string, init?: RequestInit) => rt.app.request(path, init);

describe('health, metrics and logs', () => {
  it('liveness and readiness report the database and the vector extension', async () => {
    expect(await (await req('/health')).json()).toEqual({ status: 'ok' });
    const ready = await req('/health/ready');
    expect(ready.status).toBe(200);
    const body = await ready.json();
    expect(body.status).toBe('ready');
    if (pgServer) expect(body.database).toMatchObject({ ok: true, kind: 'postgres', vector: 'absent', retrieval: 'lexical only' });
    else expect(body.database).toMatchObject({ ok: true, kind: 'embedded', vector: 'present', retrieval: 'hybrid' });
  });

  it('readiness turns 503 when a required part fails, naming it', async () => {
    rt.deps.health.push({ name: 'broken-part', required: true, check: async () => ({ ok: false, detail: 'down for the test' }) });
    try {
      const r = await req('/health/ready');
      expect(r.status).toBe(503);
      expect((await r.json())['broken-part']).toMatchObject({ ok: false });
    } finally {
      rt.deps.health.pop();
    }
  });

  it('metrics are Prometheus text by route pattern, with no user ids or raw paths as labels', async () => {
    const signup = await req('/api/auth/signup', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'm@example.test', password: 'long enough password' }) });
    const { token, user } = await signup.json();
    const item = await req('/api/vault/items', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'note', title: 'metric probe' }) });
    const { id } = await item.json();
    await req(`/api/vault/items/${id}?`, { headers: { authorization: `Bearer ${token}` } });
    await req('/api/vault/items?q=secretword', { headers: { authorization: `Bearer ${token}` } });
    const res = await req('/metrics');
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/# TYPE http_requests_total counter/);
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/api\/vault\/items\/:id",status="200"\} 1/);
    expect(text).toMatch(/http_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/api\/vault\/items"\}/);
    expect(text).not.toContain(user.id);
    expect(text).not.toContain(id);
    expect(text).not.toContain('secretword');
  });

  it('logs are JSON with a request id and never carry content, search words or tokens', async () => {
    const signup = await req('/api/auth/signup', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'logs@example.test', password: 'long enough password' }) });
    const { token } = await signup.json();
    await req('/api/vault/items', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': 'trace-me-123' }, body: JSON.stringify({ kind: 'note', title: 'Herpes zoster outbreak', text: 'shingles on the left flank' }) });
    await req('/api/vault/items?q=shingles', { headers: { authorization: `Bearer ${token}` } });
    const all = lines.join('\n');
    const traced = lines.map((l) => JSON.parse(l)).find((l) => l.reqId === 'trace-me-123');
    expect(traced).toMatchObject({ route: '/api/vault/items', method: 'POST', status: 201 });
    expect(all).not.toMatch(/Herpes|shingles|flank|logs@example\.test/);
    expect(all).not.toContain(token);
    expect(lines.length).toBeGreaterThan(3);
  });
});
