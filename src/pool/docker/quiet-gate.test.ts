import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { QuietGate } from './quiet-gate.ts';

describe('QuietGate', () => {
  let now = 0;
  beforeEach(() => {
    vi.useFakeTimers();
    now = 0;
  });
  afterEach(() => vi.useRealTimers());
  const gate = () => new QuietGate({ idleMs: 250, maxDelayMs: 1000 }, () => now);
  const advance = async (ms: number) => {
    now += ms;
    await vi.advanceTimersByTimeAsync(ms);
  };
  const track = (p: Promise<void>) => {
    const s = { done: false };
    void p.then(() => (s.done = true));
    return s;
  };

  it('lets work through at once when no request is in flight or just ended', async () => {
    const g = gate();
    const w = track(g.wait());
    await advance(0);
    expect(w.done).toBe(true);
  });

  it('holds work while a lease awaits its first token, and lets it go at that token', async () => {
    const g = gate();
    const firstToken = g.leased();
    const w = track(g.wait());
    await advance(100);
    expect(w.done).toBe(false);
    firstToken();
    expect(w.done).toBe(false); // the token reaches the user before any held work starts
    await advance(0);
    expect(w.done).toBe(true);
    firstToken(); // a second call (at the release) must not count the lease twice
    g.leased();
    const next = track(g.wait());
    await advance(100);
    expect(next.done).toBe(false);
  });

  it('after a release waits for the next first token or idleMs without leases', async () => {
    const g = gate();
    g.leased()();
    await advance(0);
    g.released();
    const w = track(g.wait());
    await advance(200);
    expect(w.done).toBe(false);
    await advance(60);
    expect(w.done).toBe(true);
  });

  it('never holds work longer than maxDelayMs, and lets it go when someone queues or the pool closes', async () => {
    const g = gate();
    g.leased(); // a lease that never gets a token (an embedding job, say)
    const late = track(g.wait());
    await advance(999);
    expect(late.done).toBe(false);
    await advance(1);
    expect(late.done).toBe(true);
    const hurried = track(g.wait());
    g.hurry();
    await advance(0);
    expect(hurried.done).toBe(true);
    const closing = track(g.wait());
    g.open();
    await advance(0);
    expect(closing.done).toBe(true);
    g.leased();
    const afterClose = track(g.wait());
    await advance(0);
    expect(afterClose.done).toBe(true);
  });
});
