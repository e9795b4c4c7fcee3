import type { ModelPool } from './model-pool.ts';

/** Resolves once `count` warm (ready, unbound) models are available; for tests, benchmarks and tools. */
export async function waitForWarm(pool: ModelPool, count: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const h = await pool.health();
    if (h.warm >= count) return;
    if (Date.now() > deadline) throw new Error(`the model pool was not warm after ${timeoutMs} ms: ${JSON.stringify(h)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
