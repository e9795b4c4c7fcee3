import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { LABEL_OWNER } from '../../../src/pool/docker/container-spec.ts';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { listen, postSse } from '../../helpers/http.ts';
import { cleanup, describeDocker, ensureTestImage, holdPoolInChild, labelled, stallingEngine, TEST_IMAGE } from './docker-env.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, check: () => Promise<T | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(200);
  }
}

/**
 * MODEL_BACKEND unset and a Docker engine too slow to answer at start: the gateway must not
 * settle on "no model backend" for good. A socket proxy in front of the real engine stalls
 * every request at first, then forwards: the gateway finds the engine, reaps what a killed
 * process of the same POOL_INSTANCE left, and answers chats from a container.
 */
describeDocker('Docker detection when the engine answers late', () => {
  const id = randomBytes(3).toString('hex');
  const instance = `tdet${id}`;
  const network = `cv-test-models-det-${id}`;
  let rt: TestRuntime | undefined;
  let engine: Awaited<ReturnType<typeof stallingEngine>> | undefined;

  beforeAll(() => ensureTestImage());
  afterEach(async () => {
    await rt?.destroy().catch(() => undefined);
    await engine?.close();
    await cleanup(instance, [network]);
  });

  it('keeps probing, switches to the docker pool when the engine answers, reaps the orphans and chats through a container', async () => {
    const poolEnv = { POOL_IMAGE: TEST_IMAGE, POOL_INSTANCE: instance, POOL_NETWORK: network, POOL_MEMORY_MB: '256', POOL_CPUS: '0.5', POOL_MIN_WARM: '1', POOL_MAX_CONTAINERS: '2', CHAT_MODEL: 'test-chat', EMBED_MODEL: 'test-embed' };
    // A previous gateway process of this instance, killed with SIGKILL: its containers stay.
    const held = await holdPoolInChild(loadConfig(poolEnv));
    held.child.kill('SIGKILL');
    await held.exited;
    expect((await labelled(instance, held.owner)).filter((c) => c.State === 'running')).toHaveLength(2);

    const sock = join(tmpdir(), `cv-detect-${process.pid}-${id}.sock`);
    engine = await stallingEngine(sock);
    rt = await createTestRuntime({ ...poolEnv, DOCKER_HOST: `unix://${sock}` });
    const http = await listen(rt);
    try {
      // While the engine does not answer: honest health (not ready, still looking), leases refused.
      const before = await fetch(`${http.url}/health/ready`).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
      const model = before.body.model;
      expect(JSON.stringify(model)).toMatch(/no Docker engine answers yet \(looking again in the background/);
      expect(model.ok).toBe(false);
      const u = await rt.signup();
      await rt.api('POST', '/api/vault/items', { token: u.token, body: { kind: 'note', title: 'Blood pressure', text: 'blood pressure 120/80 at the clinic', permissions: { shareWithAi: true } } });
      const refused = await postSse(`${http.url}/api/chat`, u.token, { message: 'what was my blood pressure?' });
      expect(refused.status).toBe(503);
      expect(refused.json.error.code).toBe('model_unavailable');
      // The orphans are still there: nothing could reach the engine yet.
      await sleep(2500);
      expect((await labelled(instance, held.owner)).length).toBe(2);

      engine.answer();
      await until('the orphans of the killed process are reaped', async () => (await labelled(instance, held.owner)).length === 0, 30_000);
      const ready = await until(
        'the model part of /health/ready is ok',
        async () => {
          const r = await fetch(`${http.url}/health/ready`);
          const body = (await r.json()) as any;
          const m = body.model;
          return m?.ok && m.warm >= 1 ? { status: r.status, m } : false;
        },
        60_000,
      );
      expect(ready.m).toMatchObject({ backend: 'docker', ephemeral: true, engine: 'up' });

      const r = await postSse(`${http.url}/api/chat`, u.token, { message: 'what was my blood pressure?' });
      expect(r.status).toBe(200);
      expect(r.events.at(-1)!.event).toBe('done');
      expect(r.events.filter((e) => e.event === 'token').map((e) => e.data.text).join('')).toContain('[1]');
      // Answered by a container of this gateway's pool (a new owner), on the instance's label.
      const live = (await labelled(instance)).filter((c) => c.State === 'running');
      expect(live.length).toBeGreaterThanOrEqual(1);
      expect(live.every((c) => c.Labels[LABEL_OWNER] !== held.owner)).toBe(true);
    } finally {
      await http.close();
    }
  }, 180_000); // a pool process to kill, the backoff, then container starts, on a loaded machine
});
