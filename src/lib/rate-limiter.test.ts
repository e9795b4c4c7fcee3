import { describe, expect, it } from 'vitest';
import { BackoffLimiter, FailureLimiter } from './rate-limiter.ts';

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

describe('BackoffLimiter', () => {
  it('lets the first failures through, then doubles the wait up to the cap', () => {
    let now = 0;
    const l = new BackoffLimiter({ free: 3, baseMs: 1000, maxMs: 8000, memoryMs: 60_000 }, () => now);
    for (let i = 0; i < 3; i++) {
      expect(l.retryAfter('k')).toBe(0);
      l.fail('k');
    }
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      waits.push(l.retryAfter('k'));
      now += waits[i] * 1000;
      expect(l.retryAfter('k')).toBe(0); // after the wait, one more try
      l.fail('k');
    }
    expect(waits).toEqual([1, 2, 4, 8, 8, 8]);
    expect(l.retryAfter('other')).toBe(0);
  });

  it('forgets a key some time after its last failure, and on reset', () => {
    let now = 0;
    const l = new BackoffLimiter({ free: 1, baseMs: 1000, maxMs: 60_000, memoryMs: 10_000 }, () => now);
    for (let i = 0; i < 5; i++) l.fail('k');
    expect(l.retryAfter('k')).toBe(16);
    now = 10_001;
    expect(l.retryAfter('k')).toBe(0);
    l.fail('k');
    expect(l.retryAfter('k')).toBe(1); // counted afresh
    l.reset('k');
    expect(l.retryAfter('k')).toBe(0);
  });
});
