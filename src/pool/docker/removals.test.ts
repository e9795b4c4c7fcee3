import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Removals } from './removals.ts';

describe('Removals', () => {
  it('keeps a failed removal and tries it again until the engine removes it', async () => {
    const calls: string[] = [];
    let failuresLeft = 2;
    let errors = 0;
    const removals = new Removals(
      async (id) => {
        calls.push(id);
        if (failuresLeft-- > 0) throw new Error('engine timeout');
      },
      pino({ level: 'silent' }),
      () => errors++,
    );
    await removals.run('abc');
    expect(removals.outstanding).toEqual(['abc']);
    await removals.retry();
    expect(removals.outstanding).toEqual(['abc']);
    await removals.retry();
    expect(removals.outstanding).toEqual([]);
    expect(calls).toEqual(['abc', 'abc', 'abc']);
    expect(errors).toBe(2);
    // Nothing left: a further retry asks the engine nothing.
    await removals.retry();
    expect(calls).toHaveLength(3);
  });

  it('does not start a second removal of a container while one is in flight', async () => {
    let release!: () => void;
    let calls = 0;
    const removals = new Removals(
      () => {
        calls++;
        return new Promise<void>((r) => (release = r));
      },
      pino({ level: 'silent' }),
    );
    const first = removals.run('abc');
    await removals.run('abc');
    release();
    await first;
    expect(calls).toBe(1);
  });
});
