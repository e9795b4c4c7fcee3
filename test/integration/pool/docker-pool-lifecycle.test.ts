import { afterEach, beforeAll, expect, it } from 'vitest';
import { Hono } from 'hono';
import type { Config } from '../../../src/config.ts';
import type { DockerModelPool } from '../../../src/pool/docker/docker-model-pool.ts';
import { ModelStreamError, PoolSaturatedError, PoolUnavailableError } from '../../../src/pool/model-pool.ts';
import { createApp } from '../../../src/gateway/app.ts';
import type { AppEnv } from '../../../src/gateway/context.ts';
import { Metrics } from '../../../src/lib/metrics.ts';
import { createTestRuntime } from '../../helpers/runtime.ts';
import { cleanup, collectText, describeDocker, docker, ensureTestImage, labelled, makePool, poolConfig, waitGone } from './docker-env.ts';

const ask = [{ role: 'user' as const, content: 'Records: [1] blood pressure 120/80. How am I?' }];

describeDocker('DockerModelPool lifecycle on a real Docker engine', () => {
  let config: Config | undefined;
  let pool: DockerModelPool | undefined;

  beforeAll(() => ensureTestImage());
  afterEach(async () => {
    await pool?.close().catch(() => undefined);
    if (config) await cleanup(config.POOL_INSTANCE!, [config.POOL_NETWORK]);
    pool = undefined;
    config = undefined;
  });

  it('starts POOL_MIN_WARM labelled containers and rotates each after POOL_MAX_REQUESTS', async () => {
    config = poolConfig({ POOL_MIN_WARM: '2', POOL_MAX_CONTAINERS: '3', POOL_MAX_REQUESTS: '3' });
    const metrics = new Metrics();
    pool = makePool(config, { metrics });
    await pool.start();
    await pool.waitUntilWarm(60_000);
    const running = await labelled(config.POOL_INSTANCE!);
    expect(running.filter((c) => c.State === 'running')).toHaveLength(2);
    expect((await pool.health()).warm).toBe(2);

    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const lease = await pool.lease('user-a');
      expect(await collectText(lease.chat({ model: 'test-chat', numCtx: 2048, messages: ask }))).toContain('[1] blood pressure');
      ids.push(lease.id);
      await lease.release();
    }
    // Three requests per container, then a new one: 3 + 3 + 1.
    expect(new Set(ids.slice(0, 3)).size).toBe(1);
    expect(new Set(ids.slice(3, 6)).size).toBe(1);
    expect(ids[3]).not.toBe(ids[0]);
    expect(ids[6]).not.toBe(ids[3]);
    // Retired containers are gone from the engine, not just from the pool.
    expect(await waitGone(ids[0])).toBe(true);
    expect(await metrics.registry.getSingleMetricAsString('model_pool_rotations_total')).toMatch(/reason="requests"} 2/);
    expect(await metrics.registry.getSingleMetricAsString('model_pool_container_start_seconds')).toMatch(/model_pool_container_start_seconds_count [3-9]/);
    expect(await metrics.registry.getSingleMetricAsString('model_pool_lease_wait_seconds')).toMatch(/model_pool_lease_wait_seconds_count\{backend="docker"} 7/);
  });

  it('POOL_MAX_REQUESTS=1: every request gets a fresh container, each removed after its one request', async () => {
    config = poolConfig({ POOL_MIN_WARM: '1', POOL_MAX_CONTAINERS: '2', POOL_MAX_REQUESTS: '1' });
    const metrics = new Metrics();
    pool = makePool(config, { metrics });
    await pool.start();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      await pool.waitUntilWarm(60_000);
      const lease = await pool.lease('same-user');
      expect(await collectText(lease.chat({ model: 'test-chat', numCtx: 2048, messages: ask }))).toContain('[1]');
      ids.push(lease.id);
      await lease.release();
      expect(await waitGone(lease.id)).toBe(true);
    }
    expect(new Set(ids).size).toBe(4);
    expect(await metrics.registry.getSingleMetricAsString('model_pool_rotations_total')).toMatch(/reason="requests"} 4/);
    // Four served, one warm for the next: five started, never more than the cap at once.
    await pool.waitUntilWarm(60_000);
    expect(await metrics.registry.getSingleMetricAsString('model_pool_container_start_seconds')).toMatch(/model_pool_container_start_seconds_count 5\b/);
    expect((await labelled(config.POOL_INSTANCE!)).length).toBeLessThanOrEqual(2);
  });

  it('a caller abort mid-stream stops the stream, and the container goes back to its user unharmed (not leaked)', async () => {
    config = poolConfig({ POOL_MIN_WARM: '1', POOL_MAX_CONTAINERS: '2', POOL_MAX_REQUESTS: '10' });
    pool = makePool(config);
    await pool.start();
    await pool.waitUntilWarm(60_000);
    const lease = await pool.lease('a');
    const ac = new AbortController();
    let chunks = 0;
    const t0 = Date.now();
    const err = await (async () => {
      for await (const _ of lease.chat({ model: 'test-chat', numCtx: 2048, messages: [{ role: 'user', content: 'long [[slow]]' }], signal: ac.signal })) {
        if (++chunks === 3) ac.abort(new Error('client went away'));
      }
    })().catch((e) => e);
    expect((err as Error).message).toBe('client went away');
    expect(Date.now() - t0).toBeLessThan(3000); // the slow answer would take 6 s
    await lease.release();
    const h = await pool.health();
    expect(h.busy).toBe(0);
    // Returned, not retired: the same container serves its user's next request in full.
    const again = await pool.lease('a');
    expect(again.id).toBe(lease.id);
    expect(await collectText(again.chat({ model: 'test-chat', numCtx: 2048, messages: ask }))).toContain('[1] blood pressure');
    await again.release();
    expect((await labelled(config.POOL_INSTANCE!)).filter((c) => c.State === 'running').length).toBeLessThanOrEqual(2);
  });

  it('sends num_ctx on every call to the container, embeddings included (NUM_CTX by default)', async () => {
    config = poolConfig({ POOL_MIN_WARM: '1', POOL_MAX_CONTAINERS: '1', NUM_CTX: '4096' });
    pool = makePool(config);
    await pool.start();
    await pool.waitUntilWarm(60_000);
    const lease = await pool.lease('a');
    await lease.embed({ model: 'test-embed', input: ['no num_ctx given here'] });
    await collectText(lease.chat({ model: 'test-chat', numCtx: 4096, messages: ask }));
    const ip = (await docker.getContainer(lease.id).inspect()).NetworkSettings.Networks[config.POOL_NETWORK].IPAddress;
    const { requests } = (await (await fetch(`http://${ip}:11434/__test/requests`)).json()) as { requests: { kind: string; numCtx: number | null }[] };
    await lease.release();
    // Warm-up (load and prime), the embed, the chat: all with the pool's num_ctx.
    expect(requests.map((r) => r.kind)).toEqual(['chat', 'chat', 'embed', 'chat']);
    expect(requests.map((r) => r.numCtx)).toEqual([4096, 4096, 4096, 4096]);
  });

  it('gives one container to one user for its whole life', async () => {
    config = poolConfig({ POOL_MIN_WARM: '2', POOL_MAX_CONTAINERS: '3', POOL_MAX_REQUESTS: '100' });
    pool = makePool(config);
    await pool.start();
    await pool.waitUntilWarm(60_000);
    const owner = new Map<string, string>();
    for (const user of ['a', 'b', 'a', 'c', 'b', 'a', 'c']) {
      const lease = await pool.lease(user);
      await collectText(lease.chat({ model: 'test-chat', numCtx: 2048, messages: ask }));
      await lease.release();
      expect(owner.get(lease.id) ?? user).toBe(user);
      owner.set(lease.id, user);
    }
    expect(new Set(owner.values()).size).toBe(3);
    // Concurrent leases of one user never share a container either (one request at a time).
    const [l1, l2] = await Promise.all([pool.lease('d'), pool.lease('d')]);
    expect(l1.id).not.toBe(l2.id);
    await Promise.all([l1.release(), l2.release()]);
  });

  it('queues when full, then fails with PoolSaturatedError (Retry-After); aborts leave the queue', async () => {
    config = poolConfig({ POOL_MIN_WARM: '1', POOL_MAX_CONTAINERS: '1', POOL_LEASE_TIMEOUT_MS: '400', POOL_QUEUE_MAX: '1' });
    pool = makePool(config);
    await pool.start();
    await pool.waitUntilWarm(60_000);
    const held = await pool.lease('a');
    const started = Date.now();
    const err = await pool.lease('b').catch((e) => e);
    expect(err).toBeInstanceOf(PoolSaturatedError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(Number(err.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    // A full queue refuses at once.
    const waiting = pool.lease('c').catch((e) => e);
    const refused = await pool.lease('d').catch((e) => e);
    expect(refused).toBeInstanceOf(PoolSaturatedError);
    await waiting;
    const ac = new AbortController();
    const aborted = pool.lease('e', { signal: ac.signal }).catch((e) => e);
    ac.abort(new Error('client left'));
    expect(((await aborted) as Error).message).toBe('client left');
    expect((await pool.health()).queued).toBe(0);
    // When the holder releases, a waiter gets a container (a new one: the old one is user a's).
    const next = pool.lease('f').catch((e) => e);
    await held.release();
    await pool.close(); // the waiter is told the pool is closing rather than left hanging
    expect(await next).toBeInstanceOf(PoolUnavailableError);
  });

  it('maps saturation to 503 with Retry-After through the gateway', async () => {
    config = poolConfig({ POOL_MIN_WARM: '1', POOL_MAX_CONTAINERS: '1', POOL_LEASE_TIMEOUT_MS: '200' });
    pool = makePool(config);
    await pool.start();
    await pool.waitUntilWarm(60_000);
    const rt = await createTestRuntime({ MODEL_BACKEND: 'external', OLLAMA_URL: 'http://127.0.0.1:9' });
    try {
      const route = new Hono<AppEnv>().post('/', async (c) => {
        const lease = await c.var.deps.pool.lease('someone');
        await lease.release();
        return c.json({ ok: true });
      });
      const app = createApp({ ...rt.deps, pool: pool!, metrics: new Metrics(), mounts: [{ path: '/pool-probe', app: route }] });
      const held = await pool.lease('holder');
      const res = await app.request('/pool-probe', { method: 'POST' });
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await res.json()).error.code).toBe('pool_saturated');
      await held.release();
    } finally {
      await rt.destroy();
    }
  });

  it('on close ends streams in flight and leaves zero labelled containers', async () => {
    config = poolConfig({ POOL_MIN_WARM: '2', POOL_MAX_CONTAINERS: '3' });
    pool = makePool(config);
    await pool.start();
    await pool.waitUntilWarm(60_000);
    const lease = await pool.lease('a');
    const streaming = collectText(lease.chat({ model: 'test-chat', numCtx: 2048, messages: [{ role: 'user', content: 'long [[slow]]' }] })).catch((e) => e);
    await new Promise((r) => setTimeout(r, 200));
    await pool.close();
    expect(await streaming).toBeInstanceOf(ModelStreamError);
    expect(await labelled(config.POOL_INSTANCE!)).toHaveLength(0);
    await expect(docker.getNetwork(config.POOL_NETWORK).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});
