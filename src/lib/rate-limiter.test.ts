import { describe, expect, it } from 'vitest';
import { FailureLimiter } from './rate-limiter.ts';

describe('FailureLimiter', () => {
  it('blocks after max failures within the window and frees the key when they age out', () => {
    let now = 0;
    const l = new FailureLimiter(3, 10_000, () => now);
    for (let i = 0; i < 3; i++) {
      expect(l.retryAfter('k')).toBe(0);
      l.fail('k');
      now += 1000;
    }
    expect(l.retryAfter('k')).toBe(7);
    expect(l.retryAfter('other')).toBe(0);
    now = 10_001;
    expect(l.retryAfter('k')).toBe(0);
    l.fail('k');
    l.reset('k');
    expect(l.retryAfter('k')).toBe(0);
  });
});
