import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { listen, postSse, type SseEvent } from '../../helpers/http.ts';
import { cleanup, describeDocker, ensureTestImage, labelled, poolConfig, waitGone } from '../pool/docker-env.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `DELETE /api/me` while that person's answer streams from a real container: the stream ends at
 * once with `account_deleted`, nothing of the answer (or the account) stays in the database, and
 * the container, which held their prompt, is retired as a rotation, not counted as a failure.
 */
describeDocker('deleting an account while its answer streams', () => {
  let rt: TestRuntime;
  let http: { url: string; close(): Promise<void> };
  let instance = '';
  let network = '';

  beforeAll(async () => {
    ensureTestImage();
    const c = poolConfig({ POOL_MIN_WARM: '1', POOL_MAX_CONTAINERS: '2' });
    instance = c.POOL_INSTANCE!;
    network = c.POOL_NETWORK;
    rt = await createTestRuntime({
      MODEL_BACKEND: 'docker',
      POOL_IMAGE: c.POOL_IMAGE,
      POOL_INSTANCE: instance,
      POOL_NETWORK: network,
      POOL_MEMORY_MB: '256',
      POOL_CPUS: '0.5',
      POOL_MIN_WARM: '1',
      POOL_MAX_CONTAINERS: '2',
      CHAT_MODEL: 'test-chat',
      EMBED_MODEL: 'test-embed',
    });
    http = await listen(rt);
  });
  afterAll(async () => {
    await http?.close();
    await rt?.destroy();
    await cleanup(instance, [network]);
  });

  const metric = async (name: string) => rt.deps.metrics.registry.getSingleMetricAsString(name);
  const count = async (table: 'messages' | 'conversations' | 'disclosures', userId: string) =>
    (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where user_id = ${userId}::uuid`.execute(rt.database.db)).rows[0].n;

  it('ends the stream at once with account_deleted, stores nothing and retires the container without a failure', async () => {
    const pool = rt.deps.pool as unknown as { waitUntilWarm(ms: number): Promise<void> };
    await pool.waitUntilWarm(60_000);
    const u = await rt.signup();
    const other = await rt.signup();
    for (const token of [u.token, other.token]) {
      await rt.api('POST', '/api/vault/items', { token, body: { kind: 'note', title: 'Ferritin', text: 'ferritin 40 ug/L', permissions: { shareWithAi: true } } });
    }
    // One warm container: the one this person's question gets (and binds to them).
    const warm = (await labelled(instance)).filter((c) => c.State === 'running');
    expect(warm).toHaveLength(1);
    const leased = warm[0].Id;

    let deletedAt = 0;
    let deleteStatus = 0;
    const r = await postSse(`${http.url}/api/chat`, u.token, { message: 'my ferritin [[slow]]' }, (e: SseEvent, all) => {
      // Some tokens in (and a save of the streaming answer done), delete the account.
      if (e.event === 'token' && all.filter((x) => x.event === 'token').length === 60 && !deletedAt) {
        deletedAt = Date.now();
        void rt.api('DELETE', '/api/me', { token: u.token, body: { password: 'a long enough password' } }).then((res) => (deleteStatus = res.status));
      }
    });
    const endedAt = Date.now();
    const last = r.events.at(-1)!;
    expect(last.event).toBe('error');
    expect(last.data).toMatchObject({ code: 'account_deleted', messageId: null });
    expect(last.data.message).toMatch(/account was deleted/);
    // At once: well before the rest of the 300-token answer (≈5 s) would have streamed.
    expect(endedAt - deletedAt).toBeLessThan(1500);
    expect(r.events.filter((e) => e.event === 'token').length).toBeLessThan(200);
    await sleep(500);
    expect(deleteStatus).toBe(204);

    // Nothing of the person is left, now or after any late write would have landed.
    await sleep(2500);
    expect(await count('messages', u.userId)).toBe(0);
    expect(await count('conversations', u.userId)).toBe(0);
    expect(await count('disclosures', u.userId)).toBe(0);

    // The container that served the deleted account is gone, as a rotation, not a failure.
    expect(await waitGone(leased)).toBe(true);
    expect(await metric('model_pool_rotations_total')).toMatch(/reason="account_deleted"} 1/);
    expect(await metric('model_pool_failures_total')).not.toMatch(/reason="failed"} [1-9]/);
    // And the pool serves the next person.
    await pool.waitUntilWarm(60_000);
    const after = await postSse(`${http.url}/api/chat`, other.token, { message: 'my ferritin' });
    expect(after.events.at(-1)!.event).toBe('done');
    expect(await count('messages', other.userId)).toBe(2);
  }, 180_000); // waits on container starts (the replacements after the retirement among them)
});
