import { describe, expect, it } from 'vitest';
import { Yielder } from './yielder.ts';

describe('Yielder', () => {
  it('gives a timer its turn during a loop of promise-only work once the budget is spent', async () => {
    const y = new Yielder(5);
    let fired = false;
    setTimeout(() => (fired = true), 0);
    const until = performance.now() + 40;
    // Promise-only work (as the embedded database's answers are) starves timers unless it yields.
    while (performance.now() < until && !fired) {
      await Promise.resolve();
      await y.maybe();
    }
    expect(fired).toBe(true);
    expect(y.turns).toBeGreaterThan(0);
  });

  it('does not yield before the budget is spent', async () => {
    const y = new Yielder(10_000);
    for (let i = 0; i < 1000; i++) await y.maybe();
    expect(y.turns).toBe(0);
  });
});
