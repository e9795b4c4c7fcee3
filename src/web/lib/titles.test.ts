import { describe, expect, it } from 'vitest';
import { createTitleLoader, type TitleSource } from './titles.ts';

function source(vault: Record<string, string>, listed: string[], complete: boolean) {
  const calls = { list: 0, one: [] as string[], maxParallel: 0 };
  let inFlight = 0;
  const src: TitleSource = {
    async list() {
      calls.list++;
      return { items: listed.map((id) => ({ id, title: vault[id] })), complete };
    },
    async one(id) {
      calls.one.push(id);
      inFlight++;
      calls.maxParallel = Math.max(calls.maxParallel, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      if (id === 'broken') throw new Error('500');
      return vault[id] ?? null;
    },
  };
  return { src, calls };
}

describe('createTitleLoader', () => {
  it('takes every title from one listing when the vault fits in it; missing ids are deleted records', async () => {
    const { src, calls } = source({ a: 'A', b: 'B' }, ['a', 'b'], true);
    const l = createTitleLoader(src);
    await l.load(['a', 'b', 'gone']);
    await l.load(['a', 'gone']);
    expect(calls).toMatchObject({ list: 1, one: [] });
    expect(Object.fromEntries(l.titles)).toEqual({ a: 'A', b: 'B', gone: null });
  });

  it('reads the rest one by one, a few at a time, each at most once', async () => {
    const vault: Record<string, string> = { a: 'A' };
    const ids = Array.from({ length: 20 }, (_, i) => `r${i}`);
    for (const id of ids) vault[id] = id.toUpperCase();
    const { src, calls } = source(vault, ['a'], false);
    const l = createTitleLoader(src, { concurrency: 3 });
    await Promise.all([l.load(['a', ...ids, 'gone', 'broken']), l.load(ids.slice(0, 5))]);
    expect(calls.list).toBe(1);
    expect(calls.one.sort()).toEqual([...ids, 'broken', 'gone'].sort());
    expect(calls.maxParallel).toBe(3);
    expect(l.titles.get('r7')).toBe('R7');
    expect(l.titles.get('gone')).toBeNull();
    expect(l.titles.has('broken')).toBe(false);
    await l.load(ids);
    expect(calls.one).toHaveLength(22);
  });
});
