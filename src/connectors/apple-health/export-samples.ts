import type { Sample } from '../timeseries/sample.ts';
import type { ExportVisitor } from './parse-export.ts';
import { activitySummaryToSample, recordToSample, typeDisposition, workoutToSample, type TypeDisposition } from './to-samples.ts';

/** What the sampler saw besides its samples, for the import's warnings and summary (ids and counts only). */
export interface SamplerReport {
  samples: number;
  skipped: number;
  exportDate: string | null;
  dispositions: [type: string, kind: TypeDisposition, n: number][];
}

/**
 * The export visitor that turns elements into normalized samples (handed to `emit`), counting
 * what it skips and how each HealthKit type was handled.
 */
export class ExportSampler implements ExportVisitor {
  private samples = 0;
  private skipped = 0;
  private exportDateValue: string | null = null;
  private readonly dispositions = new Map<string, { kind: TypeDisposition; n: number }>();

  constructor(private readonly emit: (s: Sample) => void) {}

  /** The last type seen: records of one type come in long runs (compared, not hashed again). */
  private last: { type: string; d: { kind: TypeDisposition; n: number } } = { type: '\u0000', d: { kind: 'unsupported', n: 0 } };

  record(a: Record<string, string>): void {
    const type = a.type ?? '';
    let d = type === this.last.type ? this.last.d : this.dispositions.get(type);
    if (!d) this.dispositions.set(type, (d = { kind: typeDisposition(type), n: 0 }));
    this.last = { type, d };
    d.n++;
    if (d.kind !== 'unsupported') this.keep(recordToSample(a));
  }

  workout(a: Record<string, string>, stats: Record<string, string>[]): void {
    this.keep(workoutToSample(a, stats));
  }

  activitySummary(a: Record<string, string>): void {
    this.keep(activitySummaryToSample(a));
  }

  exportDate(v: string | undefined): void {
    this.exportDateValue = v ?? null;
  }

  report(): SamplerReport {
    return { samples: this.samples, skipped: this.skipped, exportDate: this.exportDateValue, dispositions: [...this.dispositions].map(([t, d]) => [t, d.kind, d.n]) };
  }

  private keep(s: Sample | null): void {
    if (!s) {
      this.skipped++;
      return;
    }
    this.samples++;
    this.emit(s);
  }
}

/** The import's warnings about what the sampler skipped or kept under unknown names. */
export function samplerWarnings(r: SamplerReport, controlCharsRemoved: number): string[] {
  const out: string[] = [];
  if (r.skipped) out.push(`${r.skipped} element(s) without a readable date or value were skipped.`);
  out.push(...typeWarnings(r.dispositions));
  if (controlCharsRemoved) out.push(`${controlCharsRemoved} XML-illegal control character(s) were removed.`);
  return out;
}

/** One warning per kind: record types kept under their own name, and settings that were skipped (ids and counts only). */
function typeWarnings(d: SamplerReport['dispositions']): string[] {
  const out: string[] = [];
  const list = (kind: TypeDisposition) => d.filter(([, k]) => k === kind).sort((a, b) => b[2] - a[2]);
  const tell = (l: SamplerReport['dispositions']) => `${l.slice(0, 8).map(([t, , n]) => `${t || '(no type)'} ×${n}`).join(', ')}${l.length > 8 ? `, and ${l.length - 8} more` : ''}`;
  const unmapped = list('unmapped');
  if (unmapped.length) out.push(`${unmapped.reduce((a, x) => a + x[2], 0)} record(s) of ${unmapped.length} HealthKit type(s) this version does not know were kept under their own names and units: ${tell(unmapped)}.`);
  const unsupported = list('unsupported');
  if (unsupported.length) out.push(`${unsupported.reduce((a, x) => a + x[2], 0)} record(s) that are settings or goals, not measurements, were skipped: ${tell(unsupported)}.`);
  return out;
}
