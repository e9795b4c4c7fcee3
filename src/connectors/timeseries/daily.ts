import type { ImportItem } from '../../vault/items.ts';
import { metricDef, type MetricDef } from './metrics.ts';
import { sumWithoutOverlap } from './overlap.ts';
import { localTime, type Sample } from './sample.ts';
import { fmt, fmtMinutes, listSources } from './format.ts';
import { bloodPressureText, sleepText, workoutText, activitySummaryText } from './daily-special.ts';

/** What a daily text builder returns: the sentence(s) and the figures kept as content. */
export interface DayText {
  text: string;
  figures: Record<string, unknown>;
}

/**
 * One readable vault item for one metric and local day: kind `wearable.daily`, sourceId
 * `<metric>:<YYYY-MM-DD>`, the effective date at local midnight with the day's own offset.
 */
export function buildDailyItem(source: string, metric: string, day: string, samples: Sample[]): ImportItem {
  const def = metricDef(metric, samples[0]?.unit);
  const body = dayText(def, day, samples);
  const loinc = def.loinc.length ? ` ${def.loinc.map((c) => `LOINC ${c}`).join(', ')}.` : '';
  const tz = samples[0]?.tz ?? '+00:00';
  return {
    kind: 'wearable.daily',
    source,
    sourceId: `${metric}:${day}`,
    title: `${def.label} on ${day}`,
    text: `${body.text}${loinc}`,
    content: {
      metric,
      day,
      unit: def.unit,
      loinc: def.loinc,
      sampleCount: samples.length,
      sources: [...new Set(samples.map((s) => s.sourceName))].sort(),
      ...body.figures,
    },
    effectiveAt: `${day}T00:00:00${tz}`,
    categories: [def.category],
    tags: ['wearable', source],
  };
}

function dayText(def: MetricDef, day: string, samples: Sample[]): DayText {
  switch (def.summary) {
    case 'heart-rate':
      return heartRateText(def, day, samples);
    case 'sum':
      return sumText(def, day, samples);
    case 'blood-pressure':
      return bloodPressureText(def, day, samples);
    case 'sleep':
      return sleepText(def, day, samples);
    case 'workout':
      return workoutText(def, day, samples);
    case 'activity-summary':
      return activitySummaryText(def, day, samples);
    case 'events':
      return eventsText(def, day, samples);
    default:
      return statsText(def, day, samples);
  }
}

/** Small amounts (0.04 g of a nutrient) keep two decimals instead of reading as 0. */
function precise(v: number, digits: number): number {
  return v !== 0 && Math.abs(v) < 1 ? Math.max(digits, 2) : digits;
}

function stats(values: number[]) {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, avg: values.length ? sum / values.length : NaN, n: values.length };
}

function heartRateText(def: MetricDef, day: string, samples: Sample[]): DayText {
  const d = def.digits ?? 0;
  const resting = samples.filter((s) => s.component === 'resting' && s.value !== null).map((s) => s.value!);
  const walking = samples.filter((s) => s.component === 'walking-average' && s.value !== null).map((s) => s.value!);
  const beats = samples.filter((s) => !s.component && s.value !== null).map((s) => s.value!);
  const parts: string[] = [];
  const figures: Record<string, unknown> = {};
  if (resting.length) {
    const r = stats(resting);
    parts.push(`resting ${fmt(r.avg, d)}`);
    figures.resting = r.avg;
  }
  if (beats.length) {
    const b = stats(beats);
    parts.push(`average ${fmt(b.avg, d)}, min ${fmt(b.min, d)}, max ${fmt(b.max, d)}`);
    Object.assign(figures, { average: b.avg, min: b.min, max: b.max, readings: b.n });
  }
  if (walking.length) {
    parts.push(`walking average ${fmt(stats(walking).avg, d)}`);
    figures.walkingAverage = stats(walking).avg;
  }
  const n = beats.length ? ` from ${fmt(beats.length, 0)} reading${beats.length === 1 ? '' : 's'}` : '';
  const codes = resting.length ? ' Resting heart rate LOINC 40443-4.' : '';
  return { text: `${def.label} on ${day}: ${parts.join(', ')} ${def.unitLabel}${n} (${listSources(samples.map((s) => s.sourceName))}).${codes}`, figures };
}

function sumText(def: MetricDef, day: string, samples: Sample[]): DayText {
  const r = def.overlapping ? sumWithoutOverlap(samples) : { total: samples.reduce((a, s) => a + (s.value ?? 0), 0), sources: [...new Set(samples.map((s) => s.sourceName))], overlapsResolved: 0 };
  const shown = def.unit === 'm' && def.unitLabel === 'km' ? r.total / 1000 : r.total;
  const note = r.overlapsResolved ? '; periods recorded by several devices counted once' : '';
  return {
    text: `${def.label} on ${day}: ${fmt(shown, precise(shown, def.digits ?? 1))} ${def.unitLabel} (${listSources(r.sources)}${note}).`,
    figures: { total: r.total, overlapsResolved: r.overlapsResolved },
  };
}

function statsText(def: MetricDef, day: string, samples: Sample[]): DayText {
  const d = def.digits ?? 1;
  const unit = def.unitLabel || (samples[0]?.unit !== '1' ? samples[0]?.unit ?? '' : '');
  const vals = samples.filter((s) => s.value !== null);
  const st = stats(vals.map((s) => s.value!));
  const sources = listSources(samples.map((s) => s.sourceName));
  if (vals.length === 1) {
    const s = vals[0];
    return { text: `${def.label} on ${day}: ${fmt(s.value!, precise(s.value!, d))} ${unit} at ${localTime(s.start, s.tz)} (${sources}).`, figures: { value: s.value, readings: 1 } };
  }
  const readings = vals.length <= 6 ? `; readings ${vals.map((s) => `${fmt(s.value!, d)} at ${localTime(s.start, s.tz)}`).join(', ')}` : '';
  return {
    text: `${def.label} on ${day}: average ${fmt(st.avg, d)} ${unit}, min ${fmt(st.min, d)}, max ${fmt(st.max, d)} from ${vals.length} readings${readings} (${sources}).`,
    figures: { average: st.avg, min: st.min, max: st.max, readings: st.n },
  };
}

function eventsText(def: MetricDef, day: string, samples: Sample[]): DayText {
  const kinds = new Map<string, number>();
  for (const s of samples) kinds.set(s.component ?? 'event', (kinds.get(s.component ?? 'event') ?? 0) + 1);
  const what = [...kinds].map(([k, n]) => `${k} ×${n}`).join(', ');
  const minutes = samples.reduce((a, s) => a + (s.end - s.start) / 60_000, 0);
  return {
    text: `${def.label.replace(/ event$/, '')} on ${day}: ${samples.length} recorded (${what}), ${fmtMinutes(minutes)} in total (${listSources(samples.map((s) => s.sourceName))}).`,
    figures: { events: samples.length, minutes },
  };
}
