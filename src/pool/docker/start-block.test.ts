import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StartBlock } from './start-block.ts';

describe('StartBlock', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('retries after the first delay, then every twice that, one attempt at a time', async () => {
    const b = new StartBlock(1000);
    const attempts: number[] = [];
    const attempt = async () => void attempts.push(Date.now());
    b.set('image missing');
    b.set('image missing'); // a second failure of the same attempt does not push the retry out
    for (let t = 0; t <= 6000; t += 250) {
      vi.setSystemTime(t);
      const p = b.retryIfDue(attempt);
      if (p) {
        await p;
        b.set('still missing');
      }
    }
    expect(attempts).toEqual([1000, 3000, 5000]);
    expect(b.reason).toBe('still missing');
    expect(b.clear()).toBe(true);
    expect(b.retryIfDue(attempt)).toBeUndefined();
    expect(b.clear()).toBe(false);
  });
});
