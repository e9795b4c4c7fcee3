import { rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterEach, beforeAll, expect, it } from 'vitest';
import type { Config } from '../../../src/config.ts';
import type { DockerModelPool } from '../../../src/pool/docker/docker-model-pool.ts';
import { ModelStreamError, PoolUnavailableError } from '../../../src/pool/model-pool.ts';
import { cleanup, collectText, describeDocker, docker, ensureTestImage, holdPoolInChild, labelled, makePool, poolConfig, waitGone } from './docker-env.ts';

/** A unix socket that forwards to the real engine and can be cut, to play "the engine went away". */
function engineProxy(path: string) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  return {
    async up() {
      rmSync(path, { force: true });
      server = createServer((c) => {
        const upstream = createConnection('/var/run/docker.sock');
        sockets.add(c).add(upstream);
        c.pipe(upstream).pipe(c);
        const drop = () => (c.destroy(), upstream.destroy());
        c.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
      });
      await new Promise<void>((r) => server!.listen(path, r));
    },
    async down() {
      for (const s of sockets) s.destroy();
      sockets.clear();
      await new Promise((r) => server?.close(r));
      rmSync(path, { force: true });
    },
  };
}

describeDocker('DockerModelPool when containers, processes or the engine fail', () => {
  let config: Config | undefined;
  let pool: DockerModelPool | undefined;

  beforeAll(() => ensureTestImage());
  afterEach(async () => {
    await pool?.close().catch(() => undefined);
    if (config) await cleanup(config.POOL_INSTANCE!, [config.POOL_NETWORK]);
    pool = undefined;
    config = undefined;
  });

  it('a container killed mid-stream ends the request with an error fast, and is replaced', async () => {
    config = poolConfig({ POOL_MIN_WARM: '1', POOL_MAX_CONTAINERS: '2', POOL_STREAM_IDLE_MS: '20000' });
    pool = makePool(config);
    await pool.start();
    await pool.waitUntilWarm(60_000);
    const lease = await pool.lease('a');
    let chunks = 0;
    const started = Date.now();
    const err = await (async () => {
      for await (const _ of lease.chat({ model: 'test-chat', numCtx: 2048, messages: [{ role: 'user', content: 'go [[slow]]' }] })) {
        if (++chunks === 3) await docker.getContainer(lease.id).kill();
      }
    })().catch((e) => e);
    await lease.release();
    expect(err).toBeInstanceOf(ModelStreamError);
    // Well before the 20 s idle timeout: the pool saw the container die.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await waitGone(lease.id)).toBe(true);
    await pool.waitUntilWarm(60_000);
    const next = await pool.lease('b');
    expect(next.id).not.toBe(lease.id);
    expect(await collectText(next.chat({ model: 'test-chat', numCtx: 2048, messages: [{ role: 'user', content: '[1] fine' }] }))).toContain('[1]');
    await next.release();
  });

  it('a model that crashes or hangs mid-stream: error, container removed, pool healthy again', async () => {
    config = poolConfig({ POOL_MIN_WARM: '1', POOL_MAX_CONTAINERS: '2', POOL_STREAM_IDLE_MS: '1000' });
    pool = makePool(config);
    await pool.start();
    for (const marker of ['[[crash]]', '[[hang]]', '[[fail-midstream]]']) {
      await pool.waitUntilWarm(60_000);
      const lease = await pool.lease('a');
      const err = await collectText(lease.chat({ model: 'test-chat', numCtx: 2048, messages: [{ role: 'user', content: `x ${marker}` }] })).catch((e) => e);
      expect(err, marker).toBeInstanceOf(ModelStreamError);
      await lease.release();
      expect(await waitGone(lease.id)).toBe(true);
    }
    await pool.waitUntilWarm(60_000);
    expect((await pool.health()).ok).toBe(true);
  });

  it('reaps the containers of a pool process that was killed with SIGKILL', async () => {
    config = poolConfig();
    const held = await holdPoolInChild(config);
    expect((await labelled(config.POOL_INSTANCE!, held.owner)).length).toBe(2);
    held.child.kill('SIGKILL');
    await held.exited;
    // The orphans outlive their process...
    expect((await labelled(config.POOL_INSTANCE!, held.owner)).filter((c) => c.State === 'running').length).toBe(2);
    // ...until the next pool of the same instance starts.
    pool = makePool(config);
    await pool.start();
    expect(await labelled(config.POOL_INSTANCE!, held.owner)).toHaveLength(0);
  });

  it('removes its own containers on SIGTERM', async () => {
    config = poolConfig();
    const held = await holdPoolInChild(config);
    expect((await labelled(config.POOL_INSTANCE!)).length).toBe(2);
    held.child.kill('SIGTERM');
    expect(await held.exited).toBe(0);
    expect(await labelled(config.POOL_INSTANCE!)).toHaveLength(0);
  });

  it('fails leases fast while the engine is gone and recovers when it returns', async () => {
    const sock = join(tmpdir(), `cv-engine-${process.pid}-${Date.now()}.sock`);
    const proxy = engineProxy(sock);
    await proxy.up();
    try {
      config = poolConfig({ POOL_MIN_WARM: '1', POOL_MAX_CONTAINERS: '2' });
      pool = makePool(config, { docker: new Docker({ socketPath: sock }) });
      await pool.start();
      await pool.waitUntilWarm(60_000);
      await proxy.down();
      // Noticed within the liveness interval (pings every few seconds).
      const deadline = Date.now() + 10_000;
      while ((await pool.health()).detail !== 'the Docker engine is not reachable' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const t0 = Date.now();
      const err = await pool.lease('a').catch((e) => e);
      expect(err).toBeInstanceOf(PoolUnavailableError);
      expect(err.message).toMatch(/Docker engine is not reachable/);
      expect(Date.now() - t0).toBeLessThan(100);
      expect((await pool.health()).ok).toBe(false);
      await proxy.up();
      const back = Date.now() + 20_000;
      while (!(await pool.health()).ok && Date.now() < back) await new Promise((r) => setTimeout(r, 100));
      await pool.waitUntilWarm(30_000);
      const lease = await pool.lease('a');
      expect(await collectText(lease.chat({ model: 'test-chat', numCtx: 2048, messages: [{ role: 'user', content: '[1] back' }] }))).toContain('[1]');
      await lease.release();
    } finally {
      await pool?.close().catch(() => undefined);
      await proxy.down();
    }
  });
});
