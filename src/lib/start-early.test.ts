import { describe, expect, it } from 'vitest';
import { startEarly } from './start-early.ts';

function source(log: string[], fail = false) {
  return (async function* () {
    log.push('started');
    yield 1;
    log.push('second');
    if (fail) throw new Error('broken');
    yield 2;
  })();
}

describe('startEarly', () => {
  it('asks for the first step at once, then hands out every step in order', async () => {
    const log: string[] = [];
    const it = startEarly(source(log));
    await Promise.resolve();
    expect(log).toEqual(['started']);
    const got: number[] = [];
    for await (const x of it) got.push(x);
    expect(got).toEqual([1, 2]);
    expect(log).toEqual(['started', 'second']);
  });

  it('surfaces a failure when it is consumed, not before', async () => {
    const early = startEarly((async function* () { throw new Error('at once'); })());
    await new Promise((r) => setTimeout(r, 5));
    await expect((async () => { for await (const _ of early) void _; })()).rejects.toThrow('at once');
    const log: string[] = [];
    const later = startEarly(source(log, true));
    const got: number[] = [];
    await expect((async () => { for await (const x of later) got.push(x); })()).rejects.toThrow('broken');
    expect(got).toEqual([1]);
  });

  it('passes an early exit on to the source (its cleanup runs)', async () => {
    let cleaned = false;
    const it = startEarly((async function* () { try { yield 1; yield 2; } finally { cleaned = true; } })());
    for await (const x of it) if (x === 1) break;
    expect(cleaned).toBe(true);
  });
});
