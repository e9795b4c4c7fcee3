import { describe, expect, it } from 'vitest';
import { DayGrouper, sampleBytes } from './day-groups.ts';
import type { Sample } from './sample.ts';
import type { DayGroup } from './store.ts';

const s = (day: string, i: number): Sample => ({ metric: 'steps', day, start: i, end: i + 1, tz: '+00:00', value: 1, unit: '{steps}', sourceName: 'iPhone' });

describe('DayGrouper', () => {
  it('hands over the days no sample reached lately, and holds at most its limit', () => {
    const out: DayGroup[][] = [];
    const g = new DayGrouper((x) => out.push(x), 10);
    for (let d = 1; d <= 5; d++) for (let i = 0; i < 4; i++) g.add(s(`2024-01-0${d}`, i));
    // 20 samples through a limit of 10: earlier days went out whole, in order, while later ones came in.
    const handed = out.flat().map(([k, list]) => `${k.day}:${list.length}`);
    expect(handed.slice(0, 2)).toEqual(['2024-01-01:4', '2024-01-02:4']);
    g.end();
    const all = out.flat();
    expect(all.reduce((a, [, list]) => a + list.length, 0)).toBe(20);
    expect(new Set(all.map(([k]) => k.day)).size).toBe(5);
  });

  it('in no order at all it still hands everything over, a day possibly in several parts', () => {
    const out: DayGroup[][] = [];
    const g = new DayGrouper((x) => out.push(x), 8);
    for (let i = 0; i < 40; i++) g.add(s(`2024-01-0${(i % 5) + 1}`, i));
    g.end();
    expect(out.flat().reduce((a, [, list]) => a + list.length, 0)).toBe(40);
  });

  it('holds samples up to a byte budget, not only a count: long strings are handed over early', () => {
    const out: DayGroup[][] = [];
    const budget = 1024 * 1024;
    const g = new DayGrouper((x) => out.push(x), 10_000, budget);
    const long = (i: number): Sample => ({ ...s('2024-01-01', i), sourceName: 'x'.repeat(100_000) });
    let held = 0;
    let most = 0;
    for (let i = 0; i < 50; i++) {
      const before = out.length;
      g.add(long(i));
      held = out.length > before ? 0 : held + sampleBytes(long(i));
      most = Math.max(most, held);
    }
    g.end();
    // 50 samples of ~200 KB each: far under the count limit, yet never more than the budget held at once.
    expect(out.length).toBeGreaterThanOrEqual(9);
    expect(most).toBeLessThan(budget);
    expect(out.flat().reduce((a, [, list]) => a + list.length, 0)).toBe(50);
  });
});
