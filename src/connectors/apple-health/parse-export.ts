import type { Readable } from 'node:stream';
import { ExportFormatError } from './errors.ts';
import { ExportTextDecoder } from './xml-clean.ts';
import { parseExportTime } from './dates.ts';
import { HealthXmlScanner, type Attrs } from './xml-scan.ts';

export type { Attrs } from './xml-scan.ts';

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

/** Elements whose attributes the import reads; the others are only checked. */
const WANTED = new Set(['HealthData', 'Record', 'Correlation', 'Workout', 'WorkoutStatistics', 'ActivitySummary', 'ExportDate']);

/** Attributes the import never reads (two of a record's nine). */
const IGNORED = new Set(['creationDate', 'sourceVersion']);

/**
 * Reads an Apple Health `export.xml` pushed to it in chunks (`write`, then `end`), in constant
 * memory, through HealthXmlScanner, which does not read the internal DTD (so iOS 16's broken
 * ATTLIST does no harm) and never expands entities a DTD declares: a reference to one is an
 * error, which refuses billion-laughs payloads. Truncated or non-XML input fails with an
 * ExportFormatError.
 */
export class HealthXmlParser {
  readonly counts: ParseCounts = { records: 0, correlations: 0, correlationChildren: 0, workouts: 0, activitySummaries: 0, controlCharsRemoved: 0 };
  private readonly scanner: HealthXmlScanner;
  private readonly text = new ExportTextDecoder();
  private sawRoot = false;
  private inCorrelation = false;
  private workout: { attrs: Attrs; stats: Attrs[]; activityStats: Attrs[]; inActivity: number } | null = null;

  constructor(private readonly visitor: ExportVisitor) {
    this.scanner = new HealthXmlScanner({
      wants: (name) => WANTED.has(name) || !this.sawRoot,
      ignored: IGNORED,
      open: (name, attrs) => this.open(name, attrs as Attrs),
      close: (name) => this.close(name),
    });
  }

  /** Bytes of the export (see `writeText` for text already decoded and cleaned). */
  write(chunk: Buffer): void {
    this.scanner.write(this.text.write(chunk));
  }

  /** Text from an ExportTextDecoder (the import decodes on its main thread). */
  writeText(text: string): void {
    this.scanner.write(text);
  }

  /** The end of what `write` was given. */
  end(): ParseCounts {
    this.scanner.write(this.text.end());
    this.counts.controlCharsRemoved = this.text.removed;
    return this.endText();
  }

  /** The end of what `writeText` was given. */
  endText(): ParseCounts {
    this.scanner.end();
    if (!this.sawRoot) throw new ExportFormatError('The file holds no XML element, so it cannot be an Apple Health export.');
    return this.counts;
  }

  private open(name: string, attrs: Attrs): void {
    const { counts, visitor } = this;
    if (!this.sawRoot) {
      this.sawRoot = true;
      if (name !== 'HealthData') throw new ExportFormatError(`This XML is not an Apple Health export (its root element is <${name}>, not <HealthData>).`);
      return;
    }
    switch (name) {
      case 'Record':
        counts.records++;
        if (this.inCorrelation) counts.correlationChildren++;
        visitor.record(attrs, this.inCorrelation);
        break;
      case 'Correlation':
        counts.correlations++;
        this.inCorrelation = true;
        visitor.correlation?.(attrs);
        break;
      case 'Workout':
        this.workout = { attrs, stats: [], activityStats: [], inActivity: 0 };
        break;
      case 'WorkoutActivity':
        if (this.workout) this.workout.inActivity++;
        break;
      case 'WorkoutStatistics':
        // iOS 16+ repeats each activity's statistics at workout level: keep them apart, count once.
        if (this.workout) (this.workout.inActivity ? this.workout.activityStats : this.workout.stats).push(attrs);
        break;
      case 'ActivitySummary':
        counts.activitySummaries++;
        visitor.activitySummary(attrs);
        break;
      case 'ExportDate':
        visitor.exportDate?.(attrs.value);
        break;
    }
  }

  private close(name: string): void {
    const w = this.workout;
    if (name === 'Correlation') this.inCorrelation = false;
    else if (name === 'WorkoutActivity' && w && w.inActivity) w.inActivity--;
    else if (name === 'Workout' && w) {
      this.counts.workouts++;
      this.visitor.workout(w.attrs, workoutStatistics(w.stats, w.activityStats));
      this.workout = null;
    }
  }
}

/** Streams an export through HealthXmlParser; `onBytes` after each chunk, `signal` checked between chunks. */
export async function parseHealthXml(input: Readable, visitor: ExportVisitor, onBytes?: (bytes: number) => void, signal?: AbortSignal): Promise<ParseCounts> {
  const parser = new HealthXmlParser(visitor);
  for await (const chunk of input) {
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('import cancelled');
    const buf = chunk as Buffer;
    onBytes?.(buf.length);
    parser.write(buf);
  }
  return parser.end();
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
