import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { DetectingModelPool } from './detecting-model-pool.ts';
import { PoolUnavailableError, type ModelLease, type ModelPool, type PoolHealth } from './model-pool.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stands in for the docker pool (the real one is tested against a real engine under test/integration/pool). */
class FakeDockerPool implements ModelPool {
  readonly backend = 'docker' as const;
  started = 0;
  closed = 0;
  async start() {
    this.started++;
  }
  async lease(userId: string): Promise<ModelLease> {
    return { id: 'c1', userId } as ModelLease;
  }
  async health(): Promise<PoolHealth> {
    return { ok: true, backend: 'docker', ephemeral: true, warm: 1, busy: 0, starting: 0, queued: 0, chatModel: { name: 'c', present: true }, embedModel: { name: 'e', present: true } };
  }
  async close() {
    this.closed++;
  }
}

function detecting(answers: boolean[]) {
  const probes: number[] = [];
  const made: FakeDockerPool[] = [];
  const pool = new DetectingModelPool({
    probe: async () => (probes.push(Date.now()), answers.shift() ?? false),
    makeDockerPool: () => (made.push(new FakeDockerPool()), made.at(-1)!),
    models: { chat: 'c', embed: 'e' },
    log: pino({ level: 'silent' }),
    initialDelayMs: 20,
    maxDelayMs: 80,
  });
  return { pool, probes, made };
}

describe('DetectingModelPool', () => {
  it('refuses leases and says it is looking until the engine answers, then starts and uses the docker pool', async () => {
    const { pool, probes, made } = detecting([false, false, false, true]);
    await pool.start();
    expect(await pool.lease('u').catch((e) => e)).toBeInstanceOf(PoolUnavailableError);
    expect((await pool.health()).detail).toMatch(/no Docker engine answers yet \(looking again in the background/);
    for (let i = 0; i < 100 && !pool.detected; i++) await sleep(10);
    expect(pool.detected).toBe(true);
    expect(probes).toHaveLength(4);
    // Backing off: each wait at least as long as the one before (20, 40, 80 ms).
    const gaps = probes.slice(1).map((t, i) => t - probes[i]);
    expect(gaps[1]).toBeGreaterThanOrEqual(35);
    expect(gaps[2]).toBeGreaterThanOrEqual(70);
    expect(made).toHaveLength(1);
    expect(made[0].started).toBe(1);
    expect((await pool.lease('u')).id).toBe('c1');
    expect((await pool.health()).ok).toBe(true);
    await sleep(200);
    expect(probes).toHaveLength(4); // no probing once found
    await pool.close();
    expect(made[0].closed).toBe(1);
  });

  it('stops probing when closed before an engine answered', async () => {
    const { pool, probes, made } = detecting([]);
    await pool.start();
    await sleep(50);
    await pool.close();
    const n = probes.length;
    expect(n).toBeGreaterThan(0);
    await sleep(200);
    expect(probes.length).toBe(n);
    expect(made).toHaveLength(0);
  });
});
