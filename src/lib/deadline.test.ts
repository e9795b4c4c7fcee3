import { describe, expect, it } from 'vitest';
import { withinDeadline } from './deadline.ts';

const never = () => new Promise<never>(() => undefined);

describe('withinDeadline', () => {
  it('ends work that ignores its signal at the deadline, with a TimeoutError, and aborts its signal', async () => {
    let seen: AbortSignal | undefined;
    const t0 = Date.now();
    const err = await withinDeadline(150, undefined, (s) => ((seen = s), never())).catch((e) => e);
    expect((err as Error).name).toBe('TimeoutError');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(seen?.aborted).toBe(true);
  });

  it("ends at once with the caller's reason when the caller aborts", async () => {
    const caller = new AbortController();
    const p = withinDeadline(10_000, caller.signal, () => never());
    caller.abort(new Error('stopped by the user'));
    await expect(p).rejects.toThrow('stopped by the user');
  });

  it('returns what the work returns in time, and leaves no listener on the caller', async () => {
    const caller = new AbortController();
    let added = 0;
    let removed = 0;
    const sig = caller.signal;
    const add = sig.addEventListener.bind(sig);
    const remove = sig.removeEventListener.bind(sig);
    sig.addEventListener = ((...a: Parameters<typeof add>) => (added++, add(...a))) as typeof add;
    sig.removeEventListener = ((...a: Parameters<typeof remove>) => (removed++, remove(...a))) as typeof remove;
    await expect(withinDeadline(1000, sig, async () => 42)).resolves.toBe(42);
    expect(added).toBe(1);
    expect(removed).toBe(1);
  });

  it('does not start the work when the caller has already aborted', async () => {
    const caller = new AbortController();
    caller.abort(new Error('closed'));
    let ran = false;
    await expect(withinDeadline(1000, caller.signal, async () => (ran = true))).rejects.toThrow('closed');
    expect(ran).toBe(false);
  });
});
