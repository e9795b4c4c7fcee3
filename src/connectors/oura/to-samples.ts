import type { Sample } from '../timeseries/sample.ts';
import type { OuraDailyActivity, OuraDailyReadiness, OuraDailySleep, OuraDailySpo2, OuraHeartRate, OuraSleepPeriod } from './types.ts';

/** Oura answers → normalized samples (source name "Oura"). Daily documents span their local day. */

const SOURCE = 'Oura';
const DEVICE = 'Oura Ring';

function offsetOf(iso: string | undefined): string {
  const m = iso ? /([+-]\d{2}:\d{2}|Z)$/.exec(iso) : null;
  return !m || m[1] === 'Z' ? '+00:00' : m[1];
}

function dayBounds(day: string, tz: string): { start: number; end: number } {
  const start = Date.parse(`${day}T00:00:00${tz}`);
  return { start, end: start + 86_400_000 - 1 };
}

function daily(metric: string, day: string, tz: string, value: number | null | undefined, unit: string, component?: string): Sample | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  return { metric, ...(component ? { component } : {}), ...dayBounds(day, tz), tz, day, value, unit, sourceName: SOURCE, device: DEVICE };
}

export function activitySamples(docs: OuraDailyActivity[]): Sample[] {
  return docs.flatMap((d) => {
    const tz = offsetOf(d.timestamp);
    return [
      daily('steps', d.day, tz, d.steps, '{steps}'),
      daily('active-energy', d.day, tz, d.active_calories, 'kcal'),
      daily('distance-walking-running', d.day, tz, d.equivalent_walking_distance, 'm'),
      daily('activity-score', d.day, tz, d.score, '{score}'),
    ].filter((s): s is Sample => s !== null);
  });
}

export function readinessSamples(docs: OuraDailyReadiness[]): Sample[] {
  return docs.flatMap((d) => {
    const s = daily('readiness', d.day, offsetOf(d.timestamp), d.score, '{score}');
    if (s && typeof d.temperature_deviation === 'number') s.detail = { temperatureDeviationCel: d.temperature_deviation };
    return s ? [s] : [];
  });
}

export function dailySleepSamples(docs: OuraDailySleep[]): Sample[] {
  return docs.flatMap((d) => {
    const s = daily('sleep-score', d.day, offsetOf(d.timestamp), d.score, '{score}');
    return s ? [s] : [];
  });
}

/**
 * A sleep period gives stage totals, not stage intervals: the stages are laid end to end from
 * bedtime so their union is their sum (the night's text reads the same totals as Oura's app),
 * and the time in bed spans bedtime start to end. The lowest heart rate is the night's resting rate.
 */
export function sleepPeriodSamples(docs: OuraSleepPeriod[]): Sample[] {
  const out: Sample[] = [];
  for (const p of docs) {
    const start = Date.parse(p.bedtime_start);
    const end = Date.parse(p.bedtime_end);
    if (Number.isNaN(start) || Number.isNaN(end)) continue;
    const tz = offsetOf(p.bedtime_end);
    const base = { metric: 'sleep', tz, day: p.day, unit: 'min', sourceName: SOURCE, device: DEVICE };
    out.push({ ...base, component: 'in-bed', start, end, value: (end - start) / 60_000 });
    let t = start;
    for (const [component, seconds] of [['core', p.light_sleep_duration], ['deep', p.deep_sleep_duration], ['rem', p.rem_sleep_duration], ['awake', p.awake_time]] as const) {
      if (!seconds) continue;
      out.push({ ...base, component, start: t, end: t + seconds * 1000, value: seconds / 60 });
      t += seconds * 1000;
    }
    if (typeof p.lowest_heart_rate === 'number') {
      out.push({ metric: 'heart-rate', component: 'resting', start: end, end, tz, day: p.day, value: p.lowest_heart_rate, unit: '/min', sourceName: SOURCE, device: DEVICE });
    }
  }
  return out;
}

export function heartRateSamples(items: OuraHeartRate[]): Sample[] {
  return items.flatMap((h) => {
    const at = Date.parse(h.timestamp);
    if (Number.isNaN(at) || !Number.isFinite(h.bpm)) return [];
    const tz = offsetOf(h.timestamp);
    const local = new Date(at + (tz === '+00:00' ? 0 : (tz.startsWith('-') ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) * 60_000));
    return [{ metric: 'heart-rate', start: at, end: at, tz, day: local.toISOString().slice(0, 10), value: h.bpm, unit: '/min', sourceName: SOURCE, device: DEVICE, detail: { context: h.source } }];
  });
}

export function spo2Samples(docs: OuraDailySpo2[]): Sample[] {
  return docs.flatMap((d) => {
    const s = daily('spo2', d.day, '+00:00', d.spo2_percentage?.average ?? null, '%');
    return s ? [s] : [];
  });
}
