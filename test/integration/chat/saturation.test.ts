import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { PoolSaturatedError, PoolUnavailableError, type ModelPool } from '../../../src/pool/model-pool.ts';

/** A pool that is always full or always down: how the gateway answers before any SSE starts. */
function refusingPool(error: () => Error): ModelPool {
  return {
    backend: 'docker',
    start: async () => undefined,
    close: async () => undefined,
    lease: async () => {
      throw error();
    },
    health: async () => ({ ok: true, backend: 'docker', ephemeral: true, warm: 0, busy: 4, starting: 0, queued: 32, chatModel: { name: 'm', present: true }, embedModel: { name: 'e', present: true } }),
  };
}

describe('no model available', () => {
  let full: TestRuntime;
  let down: TestRuntime;
  beforeAll(async () => {
    full = await createTestRuntime({}, { pool: refusingPool(() => new PoolSaturatedError(7)) });
    down = await createTestRuntime({}, { pool: refusingPool(() => new PoolUnavailableError('The Docker engine is not answering.')) });
  });
  afterAll(async () => {
    await full?.destroy();
    await down?.destroy();
  });

  it('pool saturation is a 503 with Retry-After before any stream, and nothing is stored', async () => {
    const u = await full.signup();
    const r = await full.app.request('/api/chat', { method: 'POST', headers: { authorization: `Bearer ${u.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ message: 'hello' }) });
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('7');
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    expect((await r.json()).error.code).toBe('pool_saturated');
    expect((await full.api('GET', '/api/conversations', { token: u.token })).body.conversations).toEqual([]);
    expect((await full.api('GET', '/api/audit/disclosures', { token: u.token })).body.disclosures).toEqual([]);
  });

  it('a backend that is down is a 503 with a clear message', async () => {
    const u = await down.signup();
    const r = await down.api('POST', '/api/chat', { token: u.token, body: { message: 'hello' } });
    expect(r.status).toBe(503);
    expect(r.body.error).toMatchObject({ code: 'model_unavailable', message: 'The Docker engine is not answering.' });
    expect(r.headers.get('retry-after')).toBeTruthy();
  });
});
