import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../db/schema.ts';
import { SampleSpill } from '../timeseries/spill.ts';
import type { Sample } from '../timeseries/sample.ts';
import type { CommitResult, TimeSeriesStore } from '../timeseries/store.ts';
import { openExport, DEFAULT_ZIP_LIMITS, type ZipLimits } from './open-export.ts';
import { parseHealthXml, type ParseCounts } from './parse-export.ts';
import { activitySummaryToSample, recordToSample, workoutToSample } from './to-samples.ts';

export const APPLE_HEALTH_SOURCE = 'apple-health';

export interface ImportProgress {
  phase: 'parsing' | 'committing';
  /** XML bytes read (parsing) or samples committed (committing). */
  done: number;
  total: number;
  records: number;
}

export interface ImportOptions {
  signal?: AbortSignal;
  onProgress?(p: ImportProgress): void;
  /**
   * Receives the FHIR resources of `clinical-records/*.json`, in batches, after the samples
   * are committed. TODO(lead, at merge): wire to `importFhirResources(items, userId, resources,
   * {source: 'apple-health', warn})` of src/connectors/fhir/import.ts (FHIR engineer's branch).
   */
  onClinicalRecords?(resources: unknown[]): Promise<void>;
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
}

/**
 * Imports an Apple Health export (zip or bare XML) for one user. Parsing streams the XML into
 * an on-disk spill, so memory stays flat; only once the whole file has parsed cleanly is
 * everything committed in ONE transaction (batches and daily items), so a truncated, hostile
 * or non-XML file leaves the vault exactly as it was. The transaction uses no other
 * connection while open (the embedded database has one).
 */
export class AppleHealthImporter {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly store: TimeSeriesStore,
    private readonly log: Logger,
    private readonly opts: { zipLimits?: ZipLimits; spillDir?: string } = {},
  ) {}

  async import(path: string, userId: string, o: ImportOptions = {}): Promise<ImportSummary> {
    const started = performance.now();
    const exp = await openExport(path, this.opts.zipLimits ?? DEFAULT_ZIP_LIMITS);
    // ~24 MB of XML per partition keeps a partition's samples well under 100 MB in memory.
    const spill = new SampleSpill(Math.max(1, Math.ceil(exp.xmlBytes / (24 * 1024 * 1024))), this.opts.spillDir);
    try {
      let skipped = 0;
      let exportDate: string | null = null;
      let bytes = 0;
      let records = 0;
      let lastReport = 0;
      const keep = (s: Sample | null): void => {
        if (s) spill.add(s);
        else skipped++;
      };
      const counts = await parseHealthXml(
        await exp.openXml(),
        {
          record: (a) => {
            records++;
            keep(recordToSample(a));
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
      if (counts.controlCharsRemoved) o.warn?.(`${counts.controlCharsRemoved} XML-illegal control character(s) were removed.`);

      const total = spill.samples;
      o.onProgress?.({ phase: 'committing', done: 0, total, records });
      function* counted(it: ReturnType<SampleSpill['groups']>) {
        let done = 0;
        let last = 0;
        for (const g of it) {
          yield g;
          done += g[1].length;
          if (done - last >= 20_000) {
            last = done;
            o.onProgress?.({ phase: 'committing', done, total, records });
          }
        }
        o.onProgress?.({ phase: 'committing', done, total, records });
      }
      const result = await this.db.transaction().execute((trx) => this.store.commit(trx, userId, APPLE_HEALTH_SOURCE, counted(spill.groups())));

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
      return { ...counts, ...result, entryName: exp.entryName, xmlBytes: exp.xmlBytes, samples: spill.samples, skipped, clinicalRecords, exportDate, seconds };
    } finally {
      spill.dispose();
      exp.close();
    }
  }
}
