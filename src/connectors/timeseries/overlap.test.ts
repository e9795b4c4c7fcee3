import { describe, expect, it } from 'vitest';
import { sumWithoutOverlap } from './overlap.ts';
import type { Sample } from './sample.ts';

const s = (src: string, startMin: number, endMin: number, value: number): Sample => ({
  metric: 'steps', start: startMin * 60_000, end: endMin * 60_000, tz: '+00:00', day: '2024-01-01', value, unit: '{steps}', sourceName: src,
});

describe('sumWithoutOverlap', () => {
  it('counts a walk recorded by iPhone and Watch once, and separate walks of each', () => {
    const r = sumWithoutOverlap([
      s('iPhone', 0, 10, 1000), s('Watch', 2, 8, 1100), s('Watch', 8, 12, 300), // same walk: Watch wins 1400
      s('iPhone', 60, 70, 500), // only the phone
      s('Watch', 120, 125, 200), // only the watch
    ]);
    expect(r.total).toBe(1400 + 500 + 200);
    expect(r.overlapsResolved).toBe(1);
    expect(r.sources).toEqual(['Watch', 'iPhone']);
  });
  it('sums consecutive samples of one source', () => {
    expect(sumWithoutOverlap([s('iPhone', 0, 1, 10), s('iPhone', 1, 2, 20), s('iPhone', 1.5, 3, 5)]).total).toBe(35);
  });
});
