import { describe, expect, it } from 'vitest';
import { AdaptiveBatch } from './adaptive-batch.ts';

describe('AdaptiveBatch', () => {
  it('shrinks when a batch overran the target and grows (at most doubling) when it was quick', () => {
    const b = new AdaptiveBatch(40, 5, 500, 100);
    b.took(100, 200);
    expect(b.size).toBe(20);
    b.took(20, 10);
    expect(b.size).toBe(40);
    b.took(40, 40);
    expect(b.size).toBe(40);
  });

  it('stays within its bounds', () => {
    const b = new AdaptiveBatch(40, 5, 500, 100);
    b.took(100, 100_000);
    expect(b.size).toBe(5);
    for (let i = 0; i < 20; i++) b.took(b.size, 0);
    expect(b.size).toBe(500);
  });
});
