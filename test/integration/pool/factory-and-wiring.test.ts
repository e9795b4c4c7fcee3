import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { loadConfig } from '../../../src/config.ts';
import { Metrics } from '../../../src/lib/metrics.ts';
import { createModelPool } from '../../../src/pool/create-model-pool.ts';
import { PoolUnavailableError } from '../../../src/pool/model-pool.ts';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { startTestModel, type TestModelServer } from '../../helpers/test-model.ts';

const log = pino({ level: 'silent' });
// A socket path where no Docker engine answers, so detection falls through deterministically.
const NO_DOCKER = 'unix:///tmp/cv-no-docker-here.sock';

describe('createModelPool chooses the backend as the contract says', () => {
  let tm: TestModelServer;
  beforeAll(async () => {
    tm = await startTestModel();
  });
  afterAll(async () => {
    await tm?.stop();
  });

  it('with no Docker engine and no OLLAMA_URL: health says so and lease throws PoolUnavailableError', async () => {
    const pool = await createModelPool(loadConfig({ DOCKER_HOST: NO_DOCKER }), { log, metrics: new Metrics() });
    await pool.start();
    const h = await pool.health();
    expect(h.ok).toBe(false);
    expect(h.detail).toMatch(/no model backend configured/);
    const err = await pool.lease('u').catch((e) => e);
    expect(err).toBeInstanceOf(PoolUnavailableError);
    await pool.close();
  });

  it('with no Docker engine but OLLAMA_URL set: the external backend', async () => {
    const pool = await createModelPool(loadConfig({ DOCKER_HOST: NO_DOCKER, OLLAMA_URL: tm.url, CHAT_MODEL: 'test-chat', EMBED_MODEL: 'test-embed' }), { log, metrics: new Metrics() });
    expect(pool.backend).toBe('external');
    expect((await pool.health()).ok).toBe(true);
    await pool.close();
  });

  it('MODEL_BACKEND=external wins even where a Docker engine would answer', async () => {
    const pool = await createModelPool(loadConfig({ MODEL_BACKEND: 'external', OLLAMA_URL: tm.url }), { log, metrics: new Metrics() });
    expect(pool.backend).toBe('external');
    await pool.close();
  });
});

describe('the pool in the composition root', () => {
  let tm: TestModelServer;
  let rt: TestRuntime;
  beforeAll(async () => {
    tm = await startTestModel();
    rt = await createTestRuntime({ MODEL_BACKEND: 'external', OLLAMA_URL: tm.url, CHAT_MODEL: 'test-chat', EMBED_MODEL: 'test-embed' });
  });
  afterAll(async () => {
    await rt?.destroy();
    await tm?.stop();
  });

  it('is in deps, reported by /health/ready as the "model" part, and measured in /metrics', async () => {
    expect(rt.deps.pool.backend).toBe('external');
    const ready = await rt.api('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.model).toMatchObject({ ok: true, backend: 'external', ephemeral: false, chatModel: { name: 'test-chat', present: true } });
    const lease = await rt.deps.pool.lease('u1');
    await lease.release();
    const metrics = await rt.api('GET', '/metrics');
    expect(metrics.body).toMatch(/model_pool_lease_wait_seconds_count\{backend="external"\} 1/);
  });

  it('turns readiness to 503 when the explicitly chosen backend is down', async () => {
    await tm.stop();
    const ready = await rt.api('GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.model.ok).toBe(false);
  });
});
