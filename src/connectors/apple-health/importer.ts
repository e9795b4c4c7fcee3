import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../db/schema.ts';
import type { CommitResult, TimeSeriesStore } from '../timeseries/store.ts';
import { recoverUnfinishedImports, StagedImport } from '../timeseries/staged-import.ts';
import { findJob } from '../../db/jobs.ts';
import { usersWithStagedImports } from '../../db/wearables.ts';
import { openExport } from './open-export.ts';
import { DEFAULT_IMPORT_LIMITS, type ImportLimits } from './import-limits.ts';
import { makeSpillDir } from './temp-files.ts';
import type { ParseCounts } from './parse-export.ts';
import { samplerWarnings } from './export-samples.ts';
import { parseInWorker } from './parse-in-worker.ts';

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
  /**
   * Called inside the transaction that publishes the samples (the commit point), with the
   * counts known then: the job records there, atomically, that this import's work is saved.
   */
  onPublish?(trx: Transaction<Database>, committed: CommittedImport): Promise<void>;
  /** Called once the clinical records are imported too (the import's last write). */
  onClinicalDone?(): Promise<void>;
  warn?(message: string): void;
}

/** What is known to be saved at the commit point: the summary but for the daily items and clinical records written after it. */
export type CommittedImport = Omit<ImportSummary, 'seconds' | 'phases' | 'clinicalRecords'> & { clinicalRecordFiles: number };

export interface ImportSummary extends ParseCounts, CommitResult {
  entryName: string | null;
  xmlBytes: number;
  samples: number;
  skipped: number;
  clinicalRecords: number;
  exportDate: string | null;
  seconds: number;
  /**
   * Seconds per phase: parsing (the worker's, with the staging of what it sent meanwhile), staging
   * left once it had parsed everything, publishing (the one short transaction), daily items.
   */
  phases: { parse: number; stage: number; publish: number; items: number };
}

/**
 * Imports an Apple Health export (zip or bare XML) for one user. A worker thread parses the
 * XML in constant memory and sends (metric, day) groups of samples as it finishes them; they
 * are staged meanwhile as pending rows (short statements, invisible to readers). Only once the
 * whole file has parsed cleanly are they published in one short transaction, then the daily
 * items rewritten (see StagedImport). No long transaction:
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
    private readonly opts: { limits?: ImportLimits; spillDir?: string } = {},
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

  /**
   * The same for every user, at the gateway's start (after the job runner has failed the imports
   * a stopped process left running): a published import's missing daily items are written now,
   * not at that user's next import, and staged rows nobody will publish go. Errors are logged.
   */
  async recoverAll(): Promise<void> {
    for (const userId of await usersWithStagedImports(this.db)) {
      await this.recover(userId).catch((e: Error) => this.log.error({ userId, err: e.message }, 'could not finish what an interrupted import left'));
    }
  }

  /** Finishes or removes what earlier, interrupted imports of this user left (see StagedImport). */
  async recover(userId: string, o: { finishing?: string } = {}): Promise<void> {
    const r = await recoverUnfinishedImports(this.db, this.store, userId, async (id) => {
      // The job being finished after a restart is still "running" in its row, but nothing runs it.
      if (id === o.finishing) return false;
      if (this.running.has(id)) return true;
      const job = /^[0-9a-f-]{36}$/i.test(id) ? await findJob(this.db, id) : undefined;
      return job ? job.status === 'queued' || job.status === 'running' : undefined;
    });
    if (r.discarded || r.itemsRewritten) this.log.info({ userId, ...r }, 'finished what an interrupted import left');
  }

  private async run(path: string, userId: string, importId: string, o: ImportOptions): Promise<ImportSummary> {
    const started = performance.now();
    await this.recover(userId);
    const limits = this.opts.limits ?? DEFAULT_IMPORT_LIMITS;
    const exp = await openExport(path, limits, await this.store.keysFor(userId, this.db));
    // A private (0700) folder for the daily items waiting for publishing (sealed, see StagedImport);
    // its name tells its user and process, so a restart or the account's deletion finds it.
    let workDir: string | undefined;
    try {
      // Every clinical record is checked against the limits before anything is saved: a refused
      // record fails the import while the vault is still exactly as it was.
      await exp.checkClinicalRecords();
      o.onProgress?.({ phase: 'parsing', done: 0, total: exp.xmlBytes, records: 0 });
      workDir = makeSpillDir(this.opts.spillDir ?? tmpdir(), userId);
      const phases = { parse: 0, stage: 0, publish: 0, items: 0 };
      let bytes = 0;
      let records = 0;
      let lastReport = 0;
      const parse = parseInWorker(await exp.openXml(), APPLE_HEALTH_SOURCE, {
        signal: o.signal,
        onRead: (n, r) => {
          bytes = n;
          records = r;
          const now = performance.now();
          if (now - lastReport > 200) {
            lastReport = now;
            o.onProgress?.({ phase: 'parsing', done: bytes, total: exp.xmlBytes, records });
          }
        },
      });
      const staged = new StagedImport(this.db, this.store, userId, APPLE_HEALTH_SOURCE, importId, join(workDir, 'daily-items'));
      let parsed: ReturnType<typeof parse.summary> | undefined;
      try {
        // The worker parses while the groups it has finished are staged here (pending rows,
        // invisible until published): a failure anywhere before publishing discards them.
        await staged.stage(parse.batches, { signal: o.signal });
        parsed = parse.summary();
        records = parsed.counts.records;
        phases.parse = (parsed.at - started) / 1000;
        phases.stage = (performance.now() - parsed.at) / 1000;
        o.onProgress?.({ phase: 'parsing', done: exp.xmlBytes, total: exp.xmlBytes, records });
        for (const w of samplerWarnings(parsed.report, parsed.counts.controlCharsRemoved)) o.warn?.(w);
        o.signal?.throwIfAborted();
        const p0 = performance.now();
        const { counts: c, report: rep } = parsed;
        await staged.publish(async (trx) => {
          const committed: CommittedImport = { ...c, ...staged.result, entryName: exp.entryName, xmlBytes: exp.xmlBytes, samples: rep.samples, skipped: rep.skipped, exportDate: rep.exportDate, clinicalRecordFiles: exp.clinicalRecordNames.length };
          await o.onPublish?.(trx, committed);
        });
        phases.publish = (performance.now() - p0) / 1000;
      } catch (e) {
        await parse.stop();
        await staged.discard().catch((err: Error) => this.log.error({ userId, err: err.message }, 'removing the pending rows of a failed import failed'));
        throw e;
      }
      const { counts, report } = parsed;
      o.onProgress?.({ phase: 'committing', done: report.samples, total: report.samples, records });
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
          // Records are handed over in batches bounded by their size (a byte budget), not their number.
          let batch: unknown[] = [];
          let held = 0;
          const hand = async () => {
            await o.onClinicalRecords!(batch);
            clinicalRecords += batch.length;
            (batch = []), (held = 0);
          };
          for (const name of exp.clinicalRecordNames) {
            let r: Awaited<ReturnType<typeof exp.readClinicalRecord>>;
            try {
              r = await exp.readClinicalRecord(name);
            } catch {
              o.warn?.('A clinical record file could not be read as JSON and was skipped.');
              continue;
            }
            if (!r) continue;
            if (batch.length && (held + r.bytes > limits.maxClinicalBytesInFlight || batch.length >= 100)) await hand();
            batch.push(r.resource);
            held += r.bytes;
          }
          if (batch.length) await hand();
        }
      }
      await o.onClinicalDone?.();
      const seconds = (performance.now() - started) / 1000;
      this.log.info({ userId, records: counts.records, samples: report.samples, added: result.samplesAdded, days: result.daysChanged, ms: Math.round(seconds * 1000) }, 'apple health import committed');
      return { ...counts, ...result, entryName: exp.entryName, xmlBytes: exp.xmlBytes, samples: report.samples, skipped: report.skipped, clinicalRecords, exportDate: report.exportDate, seconds, phases };
    } finally {
      if (workDir) rmSync(workDir, { recursive: true, force: true });
      exp.close();
    }
  }
}
