import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { SaxesParser } from 'saxes';
import { ExportFormatError } from './errors.ts';
import { stripIllegalXmlChars } from './xml-clean.ts';
import { parseExportTime } from './dates.ts';

export type Attrs = Record<string, string>;

/** What the parser hands over, element by element; nothing is kept beyond the current element. */
export interface ExportVisitor {
  record(attrs: Attrs, inCorrelation: boolean): void;
  workout(attrs: Attrs, statistics: Attrs[]): void;
  activitySummary(attrs: Attrs): void;
  correlation?(attrs: Attrs): void;
  exportDate?(value: string): void;
}

export interface ParseCounts {
  records: number;
  correlations: number;
  correlationChildren: number;
  workouts: number;
  activitySummaries: number;
  controlCharsRemoved: number;
}

/**
 * Streams an Apple Health `export.xml` through saxes in constant memory. saxes does not
 * read the internal DTD (so iOS 16's broken ATTLIST does no harm) and never expands entities
 * a DTD declares: a reference to one is an error, which refuses billion-laughs payloads.
 * Truncated or non-XML input fails with an ExportFormatError.
 */
export async function parseHealthXml(input: Readable, visitor: ExportVisitor, onBytes?: (bytes: number) => void, signal?: AbortSignal): Promise<ParseCounts> {
  const counts: ParseCounts = { records: 0, correlations: 0, correlationChildren: 0, workouts: 0, activitySummaries: 0, controlCharsRemoved: 0 };
  const parser = new SaxesParser({ xmlns: false, position: false });
  let failure: Error | undefined;
  let sawRoot = false;
  let inCorrelation = false;
  let workout: { attrs: Attrs; stats: Attrs[]; activityStats: Attrs[]; inActivity: number } | null = null;

  parser.on('error', (e) => {
    failure ??= e;
  });
  parser.on('opentag', (node) => {
    const attrs = node.attributes as Attrs;
    if (!sawRoot) {
      sawRoot = true;
      if (node.name !== 'HealthData') failure ??= new ExportFormatError(`This XML is not an Apple Health export (its root element is <${node.name}>, not <HealthData>).`);
      return;
    }
    switch (node.name) {
      case 'Record':
        counts.records++;
        if (inCorrelation) counts.correlationChildren++;
        visitor.record(attrs, inCorrelation);
        break;
      case 'Correlation':
        counts.correlations++;
        inCorrelation = true;
        visitor.correlation?.(attrs);
        break;
      case 'Workout':
        workout = { attrs, stats: [], activityStats: [], inActivity: 0 };
        break;
      case 'WorkoutActivity':
        if (workout) workout.inActivity++;
        break;
      case 'WorkoutStatistics':
        // iOS 16+ repeats each activity's statistics at workout level: keep them apart, count once.
        if (workout) (workout.inActivity ? workout.activityStats : workout.stats).push(attrs);
        break;
      case 'ActivitySummary':
        counts.activitySummaries++;
        visitor.activitySummary(attrs);
        break;
      case 'ExportDate':
        visitor.exportDate?.(attrs.value);
        break;
    }
  });
  parser.on('closetag', (node) => {
    if (node.name === 'Correlation') inCorrelation = false;
    else if (node.name === 'WorkoutActivity' && workout && workout.inActivity) workout.inActivity--;
    else if (node.name === 'Workout' && workout) {
      counts.workouts++;
      visitor.workout(workout.attrs, workoutStatistics(workout.stats, workout.activityStats));
      workout = null;
    }
  });

  const decoder = new StringDecoder('utf8');
  let first = true;
  const feed = (text: string) => {
    if (first) {
      first = false;
      text = text.replace(/^\uFEFF/, '');
      if (!/^\s*</.test(text.slice(0, 1024))) throw new ExportFormatError('The file is neither a zip archive nor an XML document, so it cannot be an Apple Health export.');
    }
    const clean = stripIllegalXmlChars(text);
    counts.controlCharsRemoved += clean.removed;
    parser.write(clean.text);
    if (failure) throw explain(failure);
  };
  for await (const chunk of input) {
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('import cancelled');
    const buf = chunk as Buffer;
    onBytes?.(buf.length);
    feed(decoder.write(buf));
  }
  const tail = decoder.end();
  if (tail) feed(tail);
  if (first) throw new ExportFormatError('The export is empty.');
  parser.close();
  if (failure) throw explain(failure);
  if (!sawRoot) throw new ExportFormatError('The file holds no XML element, so it cannot be an Apple Health export.');
  return counts;
}

/**
 * One statistic per quantity type. A workout's own WorkoutStatistics (which, since iOS 16,
 * already total its WorkoutActivity children) win; a type only found inside activities is
 * combined across them (sums added, extremes kept, averages weighted by duration when known).
 */
export function workoutStatistics(own: Attrs[], inActivities: Attrs[]): Attrs[] {
  const out = new Map<string, Attrs>();
  for (const st of own) if (!out.has(st.type ?? '')) out.set(st.type ?? '', st);
  const extra = new Map<string, Attrs[]>();
  for (const st of inActivities) {
    const t = st.type ?? '';
    if (out.has(t)) continue;
    const list = extra.get(t);
    if (list) list.push(st);
    else extra.set(t, [st]);
  }
  for (const [type, list] of extra) {
    if (list.length === 1) {
      out.set(type, list[0]);
      continue;
    }
    const nums = (k: string) => list.map((x) => Number(x[k])).filter((n) => Number.isFinite(n));
    const merged: Attrs = { ...list[0] };
    const sums = nums('sum');
    if (sums.length) merged.sum = String(sums.reduce((a, b) => a + b, 0));
    const max = nums('maximum');
    if (max.length) merged.maximum = String(Math.max(...max));
    const min = nums('minimum');
    if (min.length) merged.minimum = String(Math.min(...min));
    const avg = list.filter((x) => Number.isFinite(Number(x.average)));
    if (avg.length) {
      const w = avg.map((x) => Math.max(0, (parseExportTime(x.endDate)?.ms ?? 0) - (parseExportTime(x.startDate)?.ms ?? 0)));
      const total = w.reduce((a, b) => a + b, 0);
      merged.average = String(total > 0 ? avg.reduce((a, x, i) => a + Number(x.average) * w[i], 0) / total : avg.reduce((a, x) => a + Number(x.average), 0) / avg.length);
    }
    out.set(type, merged);
  }
  return [...out.values()];
}

/** saxes messages name the position but never echo element content; map them to what a person can act on. */
function explain(e: Error): Error {
  if (e instanceof ExportFormatError) return e;
  const m = e.message;
  if (/unclosed tag|unexpected end|document must contain a root|not well-formed.*end/i.test(m)) {
    return new ExportFormatError('The export ends before its XML is complete: the file is truncated (export again from the Health app, or re-download it).');
  }
  if (/undefined entity|entity/i.test(m)) {
    return new ExportFormatError('The export uses DTD entities, which are refused (an Apple Health export never needs them).');
  }
  return new ExportFormatError(`The export is not well-formed XML (${m.replace(/\s+/g, ' ').slice(0, 160)}).`);
}
