import { rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import pino from 'pino';
import { afterEach, beforeAll, expect, it } from 'vitest';
import type { Config } from '../../../src/config.ts';
import type { DockerModelPool } from '../../../src/pool/docker/docker-model-pool.ts';
import { Metrics } from '../../../src/lib/metrics.ts';
import { PoolUnavailableError } from '../../../src/pool/model-pool.ts';
import { cleanup, collectText, describeDocker, docker, ensureTestImage, labelled, makePool, poolConfig, removeImage, TEST_IMAGE, testImageWith, waitGone } from './docker-env.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

/** A unix socket forwarding to the real engine whose open connections can be cut while it keeps accepting new ones. */
async function cuttableEngine(path: string) {
  const sockets = new Set<Socket>();
  rmSync(path, { force: true });
  const server: Server = createServer((c) => {
    const upstream = createConnection('/var/run/docker.sock');
    sockets.add(c).add(upstream);
    c.pipe(upstream).pipe(c);
    const drop = () => (c.destroy(), upstream.destroy(), sockets.delete(c), sockets.delete(upstream));
    c.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((r) => server.listen(path, r));
  return {
    docker: new Docker({ socketPath: path }),
    /** Drops every open connection (the events stream among them); the engine itself stays up. */
    cut() {
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    async close() {
      this.cut();
      await new Promise((r) => server.close(r));
      rmSync(path, { force: true });
    },
  };
}

const ask = [{ role: 'user' as const, content: 'Records: [1] blood pressure 120/80. How am I?' }];

describeDocker('DockerModelPool recovers without a restart', () => {
  let config: Config | undefined;
  let pool: DockerModelPool | undefined;
  const images: string[] = [];

  beforeAll(() => ensureTestImage());
  afterEach(async () => {
    await pool?.close().catch(() => undefined);
    if (config) await cleanup(config.POOL_INSTANCE!, [config.POOL_NETWORK]);
    for (const i of images.splice(0)) await removeImage(i);
    pool = config = undefined;
  });

  it('lifts the block once the missing chat model is there (as after `models pull`), by retrying with backoff', async () => {
    config = poolConfig({ POOL_MIN_WARM: '1', POOL_MAX_CONTAINERS: '2' });
    // An image whose model list lacks the chat model; later the same tag gets one that has it.
    const image = testImageWith(`cv-test-nochat-${config.POOL_INSTANCE}:1`, { TEST_MODELS: 'test-embed' });
    images.push(image, (await docker.getImage(image).inspect()).Id);
    config = { ...config, POOL_IMAGE: image };
    const metrics = new Metrics();
    pool = makePool(config, { metrics, timings: { blockedRetryMs: 500 } });
    await pool.start();
    await until('the pool reports the chat model missing', async () => (await pool!.health()).chatModel.present === false);
    expect((await pool.health()).detail).toMatch(/lacks the chat model test-chat/);
    expect(await pool.lease('a').catch((e) => e)).toBeInstanceOf(PoolUnavailableError);
    // Still blocked, it keeps trying, one container at a time and backing off (not a tight loop).
    const starts = async () => Number((await metrics.registry.getSingleMetricAsString('model_pool_failures_total')).match(/reason="start"} (\d+)/)?.[1] ?? 0);
    await until('it has tried again', async () => (await starts()) >= 2, 20_000);
    const before = await starts();
    await sleep(3000);
    expect((await starts()) - before).toBeLessThanOrEqual(4);
    expect((await labelled(config.POOL_INSTANCE!)).length).toBeLessThanOrEqual(1);

    await docker.getImage(TEST_IMAGE).tag({ repo: image.split(':')[0], tag: '1' });
    await until('the pool is ok again', async () => (await pool!.health()).ok, 15_000);
    await pool.waitUntilWarm(30_000);
    const lease = await pool.lease('a');
    expect(await collectText(lease.chat({ model: 'test-chat', numCtx: 2048, messages: ask }))).toContain('[1]');
    await lease.release();
  });

  it('lifts the block once a missing image appears, without reaping or restarting', async () => {
    config = poolConfig({ POOL_MIN_WARM: '1', POOL_MAX_CONTAINERS: '2' });
    const image = `cv-test-late-${config.POOL_INSTANCE}:1`;
    images.push(image);
    config = { ...config, POOL_IMAGE: image };
    pool = makePool(config, { timings: { blockedRetryMs: 500 } });
    await pool.start();
    expect((await pool.health()).detail).toMatch(/not present locally/);
    await docker.getImage(TEST_IMAGE).tag({ repo: image.split(':')[0], tag: '1' });
    await until('the pool is ok', async () => (await pool!.health()).ok, 15_000);
    await pool.waitUntilWarm(30_000);
    const lease = await pool.lease('a');
    await lease.release();
  });

  it('subscribes to Docker events again after the stream drops, and finds deaths in the gap', async () => {
    const engine = await cuttableEngine(join(tmpdir(), `cv-events-${process.pid}-${Date.now()}.sock`));
    try {
      config = poolConfig({ POOL_MIN_WARM: '2', POOL_MAX_CONTAINERS: '3' });
      const metrics = new Metrics();
      // The idle probe is off: only the events watch (and its reconcile) can notice these deaths.
      pool = makePool(config, { docker: engine.docker, metrics, timings: { idleProbeMs: 0, eventsRetryMs: 300 } });
      await pool.start();
      await pool.waitUntilWarm(60_000);
      const died = () => metrics.registry.getSingleMetricAsString('model_pool_failures_total').then((s) => Number(s.match(/reason="died"} (\d+)/)?.[1] ?? 0));
      const [first, second] = (await labelled(config.POOL_INSTANCE!)).map((c) => c.Id);

      engine.cut();
      // Killed while the pool has no events stream: found by the reconcile after re-subscribing.
      await docker.getContainer(first).kill();
      await until('the first death is noticed', async () => (await died()) === 1, 10_000);
      expect(((await pool.health()) as { engine?: string }).engine).toBe('up');

      // The new stream is live: a later death is reported by it, promptly.
      await sleep(500);
      const t0 = Date.now();
      await docker.getContainer(second).kill();
      await until('the second death is noticed', async () => (await died()) === 2, 5_000);
      expect(Date.now() - t0).toBeLessThan(3000);
      await pool.waitUntilWarm(60_000, 2);
      const live = (await labelled(config.POOL_INSTANCE!)).filter((c) => c.State === 'running').map((c) => c.Id);
      expect(live).not.toContain(first);
      expect(live).not.toContain(second);
    } finally {
      await pool?.close().catch(() => undefined);
      await engine.close();
    }
  });

  it('retires an idle container that stops answering before anyone leases it', async () => {
    config = poolConfig({ POOL_MIN_WARM: '1', POOL_MAX_CONTAINERS: '2' });
    const metrics = new Metrics();
    // The pool's own log is kept so a failure says what the pool saw (it has no PHI: test data only).
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line.trim()) });
    pool = makePool(config, { metrics, log, timings: { idleProbeMs: 500, idleProbeTimeoutMs: 500 } });
    await pool.start();
    await pool.waitUntilWarm(60_000);
    const [stuck] = (await labelled(config.POOL_INSTANCE!)).map((c) => c.Id);
    // Paused: the process neither dies nor answers, so no event says anything.
    await docker.getContainer(stuck).pause();
    const gone = await waitGone(stuck, 30_000);
    expect(gone, `pool log:\n${lines.join('\n')}\nhealth: ${JSON.stringify(await pool.health())}`).toBe(true);
    expect(await metrics.registry.getSingleMetricAsString('model_pool_failures_total')).toMatch(/reason="unresponsive"} 1/);
    await pool.waitUntilWarm(60_000);
    const t0 = Date.now();
    const lease = await pool.lease('a');
    expect(Date.now() - t0).toBeLessThan(500);
    expect(await collectText(lease.chat({ model: 'test-chat', numCtx: 2048, messages: ask }))).toContain('[1]');
    await lease.release();
  });

  it('close() during slow starts returns promptly and leaves zero labelled containers', async () => {
    config = poolConfig({ POOL_MIN_WARM: '2', POOL_MAX_CONTAINERS: '2' });
    // Loading the chat model takes a minute here, as a large real model can.
    const image = testImageWith(`cv-test-slowload-${config.POOL_INSTANCE}:1`, { TEST_MODEL_LOAD_DELAY_MS: '60000' });
    images.push(image);
    config = { ...config, POOL_IMAGE: image };
    pool = makePool(config);
    await pool.start();
    await until('two containers are running', async () => (await labelled(config!.POOL_INSTANCE!)).filter((c) => c.State === 'running').length === 2);
    await sleep(1500); // both are past /api/version and inside the slow load
    expect((await pool.health()).starting).toBe(2);
    const t0 = Date.now();
    await pool.close();
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await labelled(config.POOL_INSTANCE!)).toHaveLength(0);
  });

  it('counts POOL_MAX_AGE_S from creation, not from ready', async () => {
    config = poolConfig({ POOL_MIN_WARM: '1', POOL_MAX_CONTAINERS: '1', POOL_MAX_AGE_S: '4' });
    // Ready about 5 s after creation: already past its age when it becomes warm.
    const image = testImageWith(`cv-test-slowish-${config.POOL_INSTANCE}:1`, { TEST_MODEL_LOAD_DELAY_MS: '5000' });
    images.push(image);
    config = { ...config, POOL_IMAGE: image };
    pool = makePool(config);
    await pool.start();
    await pool.waitUntilWarm(60_000);
    const [first] = (await labelled(config.POOL_INSTANCE!)).map((c) => c.Id);
    const t0 = Date.now();
    // Counted from ready it would live 4 s more; counted from creation it goes at the next tick.
    expect(await waitGone(first, 3000)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});
