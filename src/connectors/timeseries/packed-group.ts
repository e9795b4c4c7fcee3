import type { ImportItem } from '../../vault/items.ts';
import { buildDailyItem } from './daily.ts';
import { metricDef } from './metrics.ts';
import { dedupeSamples, packSamples, type Sample } from './sample.ts';

/**
 * A (metric, day) group of new samples made ready for storing where it was read (the import's
 * worker thread): deduplicated, in time order, packed, with its daily item. When nothing is
 * stored for the day yet — every day of a first import — it is sealed and written as is;
 * otherwise it is unpacked and merged with what is (see TimeSeriesStore.stageChunk).
 */
export interface PackedGroup {
  metric: string;
  day: string;
  /** packSamples() of the samples (compressed and sealed where it is stored). */
  packed: string;
  count: number;
  /** Samples that replaced an earlier one with the same identity within the group. */
  replaced: number;
  firstAt: number;
  lastAt: number;
  unit: string;
  /** The day's item (JSON) as if the group were all the day holds. */
  item: string;
}

export function packGroup(source: string, metric: string, day: string, incoming: Sample[], valueIsIdentity = true): PackedGroup {
  const { samples, replaced } = dedupeSamples(incoming, valueIsIdentity);
  const { firstAt, lastAt } = span(samples);
  const item: ImportItem = buildDailyItem(source, metric, day, samples);
  return { metric, day, packed: packSamples(samples), count: samples.length, replaced, firstAt, lastAt, unit: metricDef(metric, samples[0].unit).unit, item: JSON.stringify(item) };
}

/** Earliest start and latest end of the samples. */
export function span(samples: Sample[]): { firstAt: number; lastAt: number } {
  let firstAt = Infinity;
  let lastAt = -Infinity;
  for (const s of samples) {
    if (s.start < firstAt) firstAt = s.start;
    if (s.end > lastAt) lastAt = s.end;
  }
  return { firstAt, lastAt };
}
