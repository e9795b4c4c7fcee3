import { describe, expect, it } from 'vitest';
import { setBounded } from './bounded-map.ts';

describe('setBounded', () => {
  it('keeps at most max entries, dropping the oldest first; a key set again is newest', () => {
    const m = new Map<string, number>();
    for (const k of ['a', 'b', 'c']) setBounded(m, k, 1, 3);
    setBounded(m, 'a', 2, 3);
    setBounded(m, 'd', 1, 3);
    expect([...m.keys()]).toEqual(['c', 'a', 'd']);
    expect(m.get('a')).toBe(2);
  });
});
