import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Config } from '../../../src/config.ts';
import type { ModelLease, ModelPool } from '../../../src/pool/model-pool.ts';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { listen, postSse } from '../../helpers/http.ts';
import { cleanup, describeDocker, docker, ensureTestImage, labelled, makePool, poolConfig } from './docker-env.ts';

/** Records which container served which user, delegating everything else to the real pool. */
function recording(pool: ModelPool, seen: { userId: string; id: string }[]): ModelPool {
  return {
    backend: pool.backend,
    start: () => pool.start(),
    health: () => pool.health(),
    close: () => pool.close(),
    async lease(userId, opts): Promise<ModelLease> {
      const lease = await pool.lease(userId, opts);
      seen.push({ userId, id: lease.id });
      return lease;
    },
  };
}

/** What one model container received (the test image records every chat/embed body). */
async function received(containerName: string, network: string): Promise<string> {
  const ip = (await docker.getContainer(containerName).inspect()).NetworkSettings.Networks[network].IPAddress;
  const res = await fetch(`http://${ip}:11434/__test/requests`);
  return JSON.stringify(await res.json());
}

describeDocker('chat through the gateway on ephemeral Docker containers', () => {
  let config: Config;
  let rt: TestRuntime;
  let http: { url: string; close(): Promise<void> };
  const seen: { userId: string; id: string }[] = [];

  beforeAll(async () => {
    ensureTestImage();
    config = poolConfig({ POOL_MIN_WARM: '1', POOL_MAX_CONTAINERS: '3', POOL_MAX_REQUESTS: '10', POOL_LEASE_TIMEOUT_MS: '30000' });
    const pool = recording(makePool(config), seen);
    rt = await createTestRuntime({ CHAT_MODEL: 'test-chat', EMBED_MODEL: 'test-embed' }, { pool });
    http = await listen(rt);
  });
  afterAll(async () => {
    await http?.close();
    await rt?.destroy();
    if (config) await cleanup(config.POOL_INSTANCE!, [config.POOL_NETWORK]);
  });

  it('answers from cleared records only, each user in their own containers, all gone at shutdown', async () => {
    const users = [await rt.signup(), await rt.signup()];
    const texts = ['Ferritin 12 ng/mL, iron tablets started', 'Thyroid TSH 2.1 mIU/L, unchanged'];
    for (const [i, u] of users.entries()) {
      const shared = await rt.api('POST', '/api/vault/items', { token: u.token, body: { kind: 'note', title: `Lab ${i}`, text: texts[i] } });
      await rt.api('PUT', `/api/vault/items/${shared.body.id}/permissions`, { token: u.token, body: { shareWithAi: true } });
      await rt.api('POST', '/api/vault/items', { token: u.token, body: { kind: 'note', title: 'Private', text: `unshared diary entry ${i}` } });
    }
    for (const [i, u] of users.entries()) {
      const r = await postSse(`${http.url}/api/chat`, u.token, { message: i === 0 ? 'What is my ferritin?' : 'How is my thyroid TSH?' });
      expect(r.status).toBe(200);
      expect(r.events.at(-1)?.event).toBe('done');
      expect(r.events.filter((e) => e.event === 'token').map((e) => e.data.text).join('')).toContain('[1]');
    }
    const byUser = (u: string) => new Set(seen.filter((s) => s.userId === u).map((s) => s.id));
    const [a, b] = [byUser(users[0].userId), byUser(users[1].userId)];
    expect(a.size).toBeGreaterThan(0);
    expect(b.size).toBeGreaterThan(0);
    expect([...a].filter((id) => b.has(id))).toEqual([]);
    // What reached user A's containers: A's cleared record, never A's private note or B's records.
    const sentToA = (await Promise.all([...a].map((id) => received(id, config.POOL_NETWORK).catch(() => '')))).join('\n');
    expect(sentToA).toContain('Ferritin 12 ng/mL');
    expect(sentToA).not.toContain('unshared diary entry');
    expect(sentToA).not.toContain('Thyroid');
    const ready = await rt.api('GET', '/health/ready');
    expect(ready.body.model).toMatchObject({ ok: true, backend: 'docker', ephemeral: true, chatModel: { name: 'test-chat', present: true } });
    await rt.destroy();
    expect(await labelled(config.POOL_INSTANCE!)).toHaveLength(0);
    rt = undefined as unknown as TestRuntime;
  });
});
