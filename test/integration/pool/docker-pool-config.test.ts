import { afterEach, beforeAll, expect, it } from 'vitest';
import type { Config } from '../../../src/config.ts';
import type { DockerModelPool } from '../../../src/pool/docker/docker-model-pool.ts';
import { PoolUnavailableError } from '../../../src/pool/model-pool.ts';
import { Metrics } from '../../../src/lib/metrics.ts';
import { cleanup, describeDocker, docker, ensureTestImage, execNode, labelled, makePool, poolConfig, removeImage, testImageWith, waitGone } from './docker-env.ts';

describeDocker('DockerModelPool limits and misconfiguration', () => {
  let config: Config | undefined;
  let pool: DockerModelPool | undefined;

  beforeAll(() => ensureTestImage());
  afterEach(async () => {
    await pool?.close().catch(() => undefined);
    if (config) await cleanup(config.POOL_INSTANCE!, [config.POOL_NETWORK]);
    pool = undefined;
    config = undefined;
  });

  it('retires containers older than POOL_MAX_AGE_S, idle or at release, and keeps the pool warm', async () => {
    config = poolConfig({ POOL_MIN_WARM: '1', POOL_MAX_CONTAINERS: '3', POOL_MAX_AGE_S: '2' });
    const metrics = new Metrics();
    pool = makePool(config, { metrics });
    await pool.start();
    await pool.waitUntilWarm(60_000);
    const first = (await labelled(config.POOL_INSTANCE!))[0].Names[0].slice(1);
    // Held past its age: retired when released, not handed out again.
    const lease = await pool.lease('a');
    await new Promise((r) => setTimeout(r, 2300));
    await lease.release();
    expect(await waitGone(lease.id)).toBe(true);
    // Idle containers age out on their own.
    await pool.waitUntilWarm(60_000);
    const idle = (await labelled(config.POOL_INSTANCE!)).find((c) => c.State === 'running')!.Names[0].slice(1);
    expect(await waitGone(idle, 10_000)).toBe(true);
    await pool.waitUntilWarm(60_000);
    expect(first).not.toBe(idle);
    expect(await metrics.registry.getSingleMetricAsString('model_pool_rotations_total')).toMatch(/reason="age"} [2-9]/);
  });

  it('keeps request logging off even when the image itself switches it on', async () => {
    config = poolConfig({ POOL_MIN_WARM: '1', POOL_MAX_CONTAINERS: '1' });
    const image = testImageWith(`cv-test-debug-${config.POOL_INSTANCE}:1`, { OLLAMA_DEBUG_LOG_REQUESTS: '1', OLLAMA_DEBUG: '2' });
    try {
      config = { ...config, POOL_IMAGE: image };
      pool = makePool(config);
      await pool.start();
      await pool.waitUntilWarm(60_000);
      const [c] = await labelled(config.POOL_INSTANCE!);
      const env = (await docker.getContainer(c.Id).inspect()).Config.Env;
      expect(env.filter((e) => e.startsWith('OLLAMA_DEBUG')).sort()).toEqual(['OLLAMA_DEBUG=false', 'OLLAMA_DEBUG_LOG_REQUESTS=false']);
      // What the server process itself sees.
      const seen = await execNode(c.Id, 'console.log(process.env.OLLAMA_DEBUG_LOG_REQUESTS, process.env.OLLAMA_DEBUG)');
      expect(seen.out).toBe('false false');
    } finally {
      await pool?.close();
      await removeImage(image);
    }
  });

  it('says why when the image is missing, starts nothing and never pulls', async () => {
    config = poolConfig({ POOL_IMAGE: 'context-vault/not-built-here:0' });
    pool = makePool(config);
    await pool.start();
    const h = await pool.health();
    expect(h.ok).toBe(false);
    expect(h.detail).toMatch(/not present locally.*never pulled/);
    const err = await pool.lease('a').catch((e) => e);
    expect(err).toBeInstanceOf(PoolUnavailableError);
    expect(err.message).toMatch(/not-built-here/);
    expect(await labelled(config.POOL_INSTANCE!)).toHaveLength(0);
  });

  it('reports a chat model missing from the image and refuses leases instead of looping', async () => {
    config = poolConfig({ CHAT_MODEL: 'absent-model:1b' });
    pool = makePool(config);
    await pool.start();
    const deadline = Date.now() + 30_000;
    while ((await pool.health()).chatModel.present !== false && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const h = await pool.health();
    expect(h).toMatchObject({ ok: false, chatModel: { name: 'absent-model:1b', present: false }, embedModel: { present: true } });
    expect(h.detail).toMatch(/lacks the chat model absent-model:1b/);
    expect(await pool.lease('a').catch((e) => e)).toBeInstanceOf(PoolUnavailableError);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await labelled(config.POOL_INSTANCE!)).filter((c) => c.State === 'running')).toHaveLength(0);
  });
});
