import { deflateRawSync, inflateRawSync } from 'node:zlib';

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

/**
 * Identity of a sample for deduplication: the same reading (metric part, time, value) from the
 * same source counts once — two foods logged at the same minute are two samples. For sources
 * whose documents are revised (an API's daily total that grows during the day) the value is
 * left out, so the newer reading replaces the older instead of being counted twice.
 */
export function sampleKey(s: Sample, valueIsIdentity = true): string {
  return `${s.component ?? ''}|${s.start}|${s.end}|${s.sourceName}${valueIsIdentity ? `|${s.value ?? ''}` : ''}`;
}

/**
 * Compact stored form of a day batch: repeated strings (offset, source, device, unit, part) go
 * into a dictionary and rows hold indexes, the end as a delta — about a third of plain JSON,
 * which is what gets sealed and written. `-1` stands for "none".
 */
interface PackedBatch {
  v: 2;
  d: string[];
  s: [number, number, number, number | null, number, number, number, number, Record<string, unknown> | 0][];
}

/** JSON form stored (sealed) in a day batch; metric and day live on the batch row. */
export function packSamples(samples: Sample[]): string {
  const dict = new Map<string, number>();
  const idx = (v: string | null | undefined) => {
    if (v === null || v === undefined) return -1;
    let i = dict.get(v);
    if (i === undefined) dict.set(v, (i = dict.size));
    return i;
  };
  const rows = samples.map((x): PackedBatch['s'][number] => [x.start, x.end - x.start, idx(x.tz), x.value, idx(x.component), idx(x.sourceName), idx(x.device), idx(x.unit), x.detail ?? 0]);
  const batch: PackedBatch = { v: 2, d: [...dict.keys()], s: rows };
  return JSON.stringify(batch);
}

/** First byte of a compressed batch; a plain JSON batch (older rows) starts with `{`. */
const DEFLATED = 0x01;

/**
 * The stored (pre-encryption) form of a packed batch: deflated, which makes it 4–5× smaller, so
 * the database writes and reads (and logs) that much less. Compression runs before sealing.
 */
export function encodeBatch(packed: string): Buffer {
  const z = deflateRawSync(packed, { level: 1 });
  const out = Buffer.allocUnsafe(z.length + 1);
  out[0] = DEFLATED;
  z.copy(out, 1);
  return out;
}

/** The packed JSON of a stored batch, compressed or (rows written before compression) not. */
export function decodeBatch(stored: Buffer): string {
  return (stored[0] === DEFLATED ? inflateRawSync(stored.subarray(1)) : stored).toString('utf8');
}

export function unpackSamples(metric: string, day: string, json: string): Sample[] {
  const b = JSON.parse(json) as PackedBatch;
  const d = b.d;
  return b.s.map(([start, len, tz, value, component, sourceName, device, unit, detail]) => {
    const s: Sample = { metric, day, start, end: start + len, tz: d[tz], value, unit: d[unit], sourceName: d[sourceName] };
    if (component >= 0) s.component = d[component];
    if (device >= 0) s.device = d[device];
    if (detail) s.detail = detail;
    return s;
  });
}

/**
 * Merges new samples into existing ones: returns the union (sorted by time), how many were
 * new and how many replaced a stored sample with a different value.
 */
export function mergeSamples(existing: Sample[], incoming: Sample[], valueIsIdentity = true): { samples: Sample[]; added: number; replaced: number } {
  const seen = new Map<string, Sample>();
  for (const s of existing) seen.set(sampleKey(s, valueIsIdentity), s);
  let added = 0;
  let replaced = 0;
  for (const s of incoming) {
    const k = sampleKey(s, valueIsIdentity);
    const old = seen.get(k);
    if (!old) {
      seen.set(k, s);
      added++;
    } else if (old.value !== s.value || JSON.stringify(old.detail ?? null) !== JSON.stringify(s.detail ?? null)) {
      seen.set(k, s);
      replaced++;
    }
  }
  const samples = [...seen.values()].sort((a, b) => a.start - b.start || a.end - b.end);
  return { samples, added, replaced };
}

/**
 * `mergeSamples([], incoming)` without building a key string per sample: sorted first, then
 * only samples of the same start and end are compared. Same result, a few times faster (it
 * runs on every sample of an import). A long run of samples at one time falls back to keys.
 */
export function dedupeSamples(incoming: Sample[], valueIsIdentity = true): { samples: Sample[]; added: number; replaced: number } {
  const sorted = incoming.slice().sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Sample[] = [];
  let replaced = 0;
  let run = 0;
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && (last.start !== s.start || last.end !== s.end)) run = out.length;
    else if (out.length - run > 64) return mergeSamples([], incoming, valueIsIdentity);
    let i = run;
    while (i < out.length && !sameReading(out[i], s, valueIsIdentity)) i++;
    if (i === out.length) out.push(s);
    else if (out[i].value !== s.value || JSON.stringify(out[i].detail ?? null) !== JSON.stringify(s.detail ?? null)) {
      out[i] = s;
      replaced++;
    }
  }
  return { samples: out, added: out.length, replaced };
}

/** sampleKey() equality, for samples of the same start and end. */
function sameReading(a: Sample, b: Sample, valueIsIdentity: boolean): boolean {
  return a.sourceName === b.sourceName && (a.component ?? '') === (b.component ?? '') && (!valueIsIdentity || (a.value ?? '') === (b.value ?? ''));
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
