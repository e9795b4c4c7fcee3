import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../db/schema.ts';
import { SampleSpill } from '../timeseries/spill.ts';
import type { Sample } from '../timeseries/sample.ts';
import type { CommitResult, TimeSeriesStore } from '../timeseries/store.ts';
import { recoverUnfinishedImports, StagedImport } from '../timeseries/staged-import.ts';
import { findJob } from '../../db/jobs.ts';
import { openExport, DEFAULT_ZIP_LIMITS, type ZipLimits } from './open-export.ts';
import { parseHealthXml, type ParseCounts } from './parse-export.ts';
import { activitySummaryToSample, recordToSample, typeDisposition, workoutToSample, type TypeDisposition } from './to-samples.ts';

export const APPLE_HEALTH_SOURCE = 'apple-health';

export interface ImportProgress {
  phase: 'parsing' | 'committing' | 'items';
  /** XML bytes read (parsing), samples staged (committing) or days whose item is written (items). */
  done: number;
  total: number;
  records: number;
}

export interface ImportOptions {
  signal?: AbortSignal;
  onProgress?(p: ImportProgress): void;
  /**
   * Receives the FHIR resources of `clinical-records/*.json`, in batches, after the samples
   * are committed; wearables-module.ts hands them to the FHIR import (`importFhirResources`).
   */
  onClinicalRecords?(resources: unknown[]): Promise<void>;
  /** Names the import's pending rows (the job id for uploads); random when not given. */
  importId?: string;
  warn?(message: string): void;
}

export interface ImportSummary extends ParseCounts, CommitResult {
  entryName: string | null;
  xmlBytes: number;
  samples: number;
  skipped: number;
  clinicalRecords: number;
  exportDate: string | null;
  seconds: number;
  /** Seconds per phase: parsing (with the spill), staging, publishing (the one short transaction), daily items. */
  phases: { parse: number; stage: number; publish: number; items: number };
}

/**
 * Imports an Apple Health export (zip or bare XML) for one user. Parsing streams the XML into
 * an on-disk spill, so memory stays flat; only once the whole file has parsed cleanly are the
 * day batches staged as pending rows (short statements, invisible to readers) and published in
 * one short transaction, then the daily items rewritten (see StagedImport). No long transaction:
 * the embedded database has one connection, and other requests keep being answered. A
 * truncated, hostile or non-XML file, or any failure before publishing, leaves the vault
 * exactly as it was.
 */
export class AppleHealthImporter {
  /** Imports running in this process (their pending rows must not be cleaned up). */
  private readonly running = new Set<string>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly store: TimeSeriesStore,
    private readonly log: Logger,
    private readonly opts: { zipLimits?: ZipLimits; spillDir?: string } = {},
  ) {}

  async import(path: string, userId: string, o: ImportOptions = {}): Promise<ImportSummary> {
    const importId = o.importId ?? randomUUID();
    this.running.add(importId);
    try {
      return await this.run(path, userId, importId, o);
    } finally {
      this.running.delete(importId);
    }
  }

  /** Finishes or removes what earlier, interrupted imports of this user left (see StagedImport). */
  async recover(userId: string): Promise<void> {
    const r = await recoverUnfinishedImports(this.db, this.store, userId, async (id) => {
      if (this.running.has(id)) return true;
      const job = /^[0-9a-f-]{36}$/i.test(id) ? await findJob(this.db, id) : undefined;
      return job ? job.status === 'queued' || job.status === 'running' : undefined;
    });
    if (r.discarded || r.itemsRewritten) this.log.info({ userId, ...r }, 'finished what an interrupted import left');
  }

  private async run(path: string, userId: string, importId: string, o: ImportOptions): Promise<ImportSummary> {
    const started = performance.now();
    await this.recover(userId);
    const exp = await openExport(path, this.opts.zipLimits ?? DEFAULT_ZIP_LIMITS);
    // ~24 MB of XML per partition keeps a partition's samples well under 100 MB in memory.
    o.onProgress?.({ phase: 'parsing', done: 0, total: exp.xmlBytes, records: 0 });
    const spill = new SampleSpill(Math.max(1, Math.ceil(exp.xmlBytes / (24 * 1024 * 1024))), this.opts.spillDir);
    try {
      let skipped = 0;
      let exportDate: string | null = null;
      let bytes = 0;
      let records = 0;
      let lastReport = 0;
      const dispositions = new Map<string, { kind: TypeDisposition; n: number }>();
      const keep = (s: Sample | null): void => {
        if (s) spill.add(s);
        else skipped++;
      };
      const counts = await parseHealthXml(
        await exp.openXml(),
        {
          record: (a) => {
            records++;
            const type = a.type ?? '';
            let d = dispositions.get(type);
            if (!d) dispositions.set(type, (d = { kind: typeDisposition(type), n: 0 }));
            d.n++;
            if (d.kind !== 'unsupported') keep(recordToSample(a));
          },
          workout: (a, stats) => keep(workoutToSample(a, stats)),
          activitySummary: (a) => keep(activitySummaryToSample(a)),
          exportDate: (v) => (exportDate = v ?? null),
        },
        (n) => {
          bytes += n;
          const now = performance.now();
          if (now - lastReport > 200) {
            lastReport = now;
            o.onProgress?.({ phase: 'parsing', done: bytes, total: exp.xmlBytes, records });
          }
        },
        o.signal,
      );
      spill.finish();
      o.onProgress?.({ phase: 'parsing', done: bytes, total: exp.xmlBytes, records });
      if (skipped) o.warn?.(`${skipped} element(s) without a readable date or value were skipped.`);
      for (const w of typeWarnings(dispositions)) o.warn?.(w);
      if (counts.controlCharsRemoved) o.warn?.(`${counts.controlCharsRemoved} XML-illegal control character(s) were removed.`);

      const total = spill.samples;
      o.onProgress?.({ phase: 'committing', done: 0, total, records });
      const phases = { parse: 0, stage: 0, publish: 0, items: 0 };
      const staged = new StagedImport(this.db, this.store, userId, APPLE_HEALTH_SOURCE, importId, join(spill.dir, 'daily-items'));
      try {
        let done = 0;
        let last = 0;
        phases.parse = (performance.now() - started) / 1000;
        await staged.stage(spill.groups(), {
          signal: o.signal,
          onChunk: (n) => {
            done += n;
            if (done - last >= 5_000 || done === total) {
              last = done;
              o.onProgress?.({ phase: 'committing', done, total, records });
            }
          },
        });
        o.signal?.throwIfAborted();
        const p0 = performance.now();
        phases.stage = (p0 - started) / 1000 - phases.parse;
        await staged.publish();
        phases.publish = (performance.now() - p0) / 1000;
      } catch (e) {
        await staged.discard().catch((err: Error) => this.log.error({ userId, err: err.message }, 'removing the pending rows of a failed import failed'));
        throw e;
      }
      o.onProgress?.({ phase: 'committing', done: total, total, records });
      // Published: the import is committed. Its daily items are written now, even if the job is
      // cancelled meanwhile (a stop would leave them to the next import's recovery).
      const i0 = performance.now();
      await staged.writeItems((d, t) => o.onProgress?.({ phase: 'items', done: d, total: t, records }));
      phases.items = (performance.now() - i0) / 1000;
      const result = staged.result;

      let clinicalRecords = 0;
      if (exp.clinicalRecordNames.length) {
        if (!o.onClinicalRecords) o.warn?.(`${exp.clinicalRecordNames.length} clinical record(s) in the export were not imported: the FHIR import is not available.`);
        else {
          let batch: unknown[] = [];
          for (const name of exp.clinicalRecordNames) {
            try {
              batch.push(await exp.readClinicalRecord(name));
            } catch {
              o.warn?.('A clinical record file could not be read as JSON and was skipped.');
              continue;
            }
            if (batch.length >= 100) {
              await o.onClinicalRecords(batch);
              clinicalRecords += batch.length;
              batch = [];
            }
          }
          if (batch.length) await o.onClinicalRecords(batch);
          clinicalRecords += batch.length;
        }
      }
      const seconds = (performance.now() - started) / 1000;
      this.log.info({ userId, records: counts.records, samples: spill.samples, added: result.samplesAdded, days: result.daysChanged, ms: Math.round(seconds * 1000) }, 'apple health import committed');
      return { ...counts, ...result, entryName: exp.entryName, xmlBytes: exp.xmlBytes, samples: spill.samples, skipped, clinicalRecords, exportDate, seconds, phases };
    } finally {
      spill.dispose();
      exp.close();
    }
  }
}

/** One warning per kind: record types kept under their own name, and settings that were skipped (ids and counts only). */
function typeWarnings(d: Map<string, { kind: TypeDisposition; n: number }>): string[] {
  const out: string[] = [];
  const list = (kind: TypeDisposition) => [...d].filter(([, v]) => v.kind === kind).sort((a, b) => b[1].n - a[1].n);
  const tell = (l: [string, { n: number }][]) => `${l.slice(0, 8).map(([t, v]) => `${t || '(no type)'} ×${v.n}`).join(', ')}${l.length > 8 ? `, and ${l.length - 8} more` : ''}`;
  const unmapped = list('unmapped');
  if (unmapped.length) out.push(`${unmapped.reduce((a, [, v]) => a + v.n, 0)} record(s) of ${unmapped.length} HealthKit type(s) this version does not know were kept under their own names and units: ${tell(unmapped)}.`);
  const unsupported = list('unsupported');
  if (unsupported.length) out.push(`${unsupported.reduce((a, [, v]) => a + v.n, 0)} record(s) that are settings or goals, not measurements, were skipped: ${tell(unsupported)}.`);
  return out;
}
