/**
 * One wearable measurement, normalized: the same shape for Apple Health records, workouts and
 * live API answers. Times are epoch milliseconds plus the offset the device recorded, so a
 * day can be told in the wearer's local time and dates can be printed with their offsets.
 */
export interface Sample {
  /** Our metric id (e.g. `heart-rate`, `steps`, `sleep`); see metrics.ts. */
  metric: string;
  /** A part of the metric: `resting`, `systolic`, a sleep stage, a workout type… */
  component?: string;
  start: number;
  end: number;
  /** The recorded UTC offset, `+02:00` form. */
  tz: string;
  /** Local calendar day the sample counts for, `YYYY-MM-DD`. */
  day: string;
  value: number | null;
  /** UCUM unit of `value`. */
  unit: string;
  /** The app or device that wrote it (Apple's sourceName, or the API provider). */
  sourceName: string;
  device?: string | null;
  detail?: Record<string, unknown>;
}

type Packed = [number, number, string, number | null, string | null, string, string | null, string, Record<string, unknown> | null];

/** Identity of a sample for deduplication: the same reading from the same source counts once. */
export function sampleKey(s: Sample): string {
  return `${s.component ?? ''}|${s.start}|${s.end}|${s.value ?? ''}|${s.sourceName}`;
}

/** Compact JSON form stored (sealed) in a day batch; metric and day live on the batch row. */
export function packSamples(samples: Sample[]): string {
  return JSON.stringify(
    samples.map((s): Packed => [s.start, s.end, s.tz, s.value, s.component ?? null, s.sourceName, s.device ?? null, s.unit, s.detail ?? null]),
  );
}

export function unpackSamples(metric: string, day: string, json: string): Sample[] {
  return (JSON.parse(json) as Packed[]).map(([start, end, tz, value, component, sourceName, device, unit, detail]) => ({
    metric,
    day,
    start,
    end,
    tz,
    value,
    unit,
    sourceName,
    ...(component !== null ? { component } : {}),
    ...(device !== null ? { device } : {}),
    ...(detail !== null ? { detail } : {}),
  }));
}

/** Merges new samples into existing ones; returns the union (sorted by time) and how many were new. */
export function mergeSamples(existing: Sample[], incoming: Sample[]): { samples: Sample[]; added: number } {
  const seen = new Map<string, Sample>();
  for (const s of existing) seen.set(sampleKey(s), s);
  let added = 0;
  for (const s of incoming) {
    const k = sampleKey(s);
    if (!seen.has(k)) {
      seen.set(k, s);
      added++;
    }
  }
  const samples = [...seen.values()].sort((a, b) => a.start - b.start || a.end - b.end);
  return { samples, added };
}

/** `2024-03-02T07:25:41+02:00` for a sample time in its own offset. */
export function localIso(ms: number, tz: string): string {
  const sign = tz.startsWith('-') ? -1 : 1;
  const [h, m] = tz.slice(1).split(':').map(Number);
  const shifted = new Date(ms + sign * (h * 60 + m) * 60_000);
  return `${shifted.toISOString().slice(0, 19)}${tz}`;
}

/** `HH:MM` local time of a sample. */
export function localTime(ms: number, tz: string): string {
  return localIso(ms, tz).slice(11, 16);
}
