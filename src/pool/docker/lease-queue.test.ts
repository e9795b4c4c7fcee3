import { describe, expect, it } from 'vitest';
import { LeaseQueue } from './lease-queue.ts';

const never = () => new Error('timed out');

describe('LeaseQueue', () => {
  it('serves waiters in order, skipping those nothing is available for yet', async () => {
    const q = new LeaseQueue<string>(10);
    const a = q.enqueue('a', { timeoutMs: 1000, onTimeout: never });
    const b = q.enqueue('b', { timeoutMs: 1000, onTimeout: never });
    expect(q.users()).toEqual(['a', 'b']);
    // Only b's own container is free: b is served, a keeps its place.
    expect(q.serveNext((u) => (u === 'b' ? 'container-b' : undefined))).toBe(true);
    expect(await b).toBe('container-b');
    expect(q.users()).toEqual(['a']);
    expect(q.serveNext(() => 'warm')).toBe(true);
    expect(await a).toBe('warm');
    expect(q.serveNext(() => 'x')).toBe(false);
  });

  it('rejects at the deadline with the given error and forgets the waiter', async () => {
    const q = new LeaseQueue<string>(10);
    const err = await q.enqueue('a', { timeoutMs: 20, onTimeout: () => new Error('saturated') }).catch((e) => e);
    expect(err.message).toBe('saturated');
    expect(q.length).toBe(0);
  });

  it('leaves on abort with the signal reason', async () => {
    const q = new LeaseQueue<string>(10);
    const ac = new AbortController();
    const p = q.enqueue('a', { timeoutMs: 1000, signal: ac.signal, onTimeout: never });
    ac.abort(new Error('client gone'));
    expect(((await p.catch((e) => e)) as Error).message).toBe('client gone');
    expect(q.length).toBe(0);
  });

  it('is bounded and can reject everyone at once', async () => {
    const q = new LeaseQueue<string>(2);
    const ps = [q.enqueue('a', { timeoutMs: 1000, onTimeout: never }), q.enqueue('b', { timeoutMs: 1000, onTimeout: never })];
    expect(q.full).toBe(true);
    q.rejectAll(() => new Error('closing'));
    for (const p of ps) expect(((await p.catch((e) => e)) as Error).message).toBe('closing');
    expect(q.length).toBe(0);
  });
});
