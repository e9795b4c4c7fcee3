import type { Sample } from './sample.ts';

/**
 * Sums a cumulative metric (steps, distance, energy) without double counting when several
 * devices recorded the same time (an iPhone and a Watch both count the same walk). Samples are
 * clustered by overlapping time; a cluster recorded by one source is summed, a cluster seen by
 * several sources counts only the source with the largest total there — the way Health's own
 * source priority picks one device per period.
 */
export function sumWithoutOverlap(samples: Sample[]): { total: number; sources: string[]; overlapsResolved: number } {
  const sorted = samples.filter((s) => s.value !== null).sort((a, b) => a.start - b.start || a.end - b.end);
  let total = 0;
  let overlapsResolved = 0;
  const sources = new Set<string>();
  let i = 0;
  while (i < sorted.length) {
    const cluster: Sample[] = [sorted[i]];
    let clusterEnd = sorted[i].end;
    i++;
    // Touching intervals (end == start) of one source are consecutive, not overlapping.
    while (i < sorted.length && sorted[i].start < clusterEnd) {
      cluster.push(sorted[i]);
      clusterEnd = Math.max(clusterEnd, sorted[i].end);
      i++;
    }
    const bySource = new Map<string, number>();
    for (const s of cluster) bySource.set(s.sourceName, (bySource.get(s.sourceName) ?? 0) + (s.value ?? 0));
    let best = '';
    let bestSum = -Infinity;
    for (const [src, sum] of bySource) if (sum > bestSum) (best = src), (bestSum = sum);
    if (bySource.size > 1) overlapsResolved++;
    total += bestSum;
    sources.add(best);
  }
  return { total, sources: [...sources].sort(), overlapsResolved };
}
