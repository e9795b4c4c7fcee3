import { rm } from 'node:fs/promises';
import type { JobRunner } from '../../jobs/job-runner.ts';
import type { AppleHealthImporter, CommittedImport, ImportOptions } from './importer.ts';
import { plainSize } from './sealed-upload.ts';

export const APPLE_HEALTH_JOB = 'apple-health.import';

export interface AppleHealthJobParams {
  /** The uploaded file (in the data dir's private imports folder, sealed), or the CLI user's own file. */
  path: string;
  /** Remove the file when the job ends (uploads); the CLI keeps the user's own file. */
  deleteAfter: boolean;
}

/** What the job commits (jobs.committed): the counts saved at publish, and whether the clinical records followed. */
type Committed = CommittedImport & { clinicalDone?: boolean };

/**
 * Registers the import job. Progress is XML bytes while parsing (total known from the start),
 * then samples while committing; the result holds counts only (no health data). Not
 * resumable, but its status after a crash is what it had saved: the publish of its samples
 * also marks the job committed (same transaction), so a restart ends a committed job
 * `succeeded` (once its daily items are finished) and any other one `failed` with what to do.
 */
export function registerAppleHealthJob(jobs: JobRunner, importer: AppleHealthImporter, clinical?: (userId: string, warn: (m: string) => void) => ImportOptions['onClinicalRecords']): void {
  jobs.register<AppleHealthJobParams>(APPLE_HEALTH_JOB, {
    resumable: false,
    unit: 'bytes',
    async run(ctx) {
      try {
        if (!ctx.userId) throw new Error('an import job needs a user');
        // The upload's size is the first total (the XML's own size replaces it once the zip is open).
        ctx.progress(0, await plainSize(ctx.params.path), 'bytes');
        let committed: Committed | undefined;
        const summary = await importer.import(ctx.params.path, ctx.userId, {
          importId: ctx.jobId,
          signal: ctx.signal,
          warn: ctx.warn,
          onProgress: (p) => {
            // Daily items are written after the samples are committed: the job stays at its samples total.
            if (p.phase === 'items') return;
            ctx.progress(p.done, p.total, p.phase === 'parsing' ? 'bytes' : 'samples');
          },
          onPublish: (trx, c) => ctx.commit!((committed = c), trx),
          onClinicalDone: async () => {
            if (committed?.clinicalRecordFiles) await ctx.commit!({ ...committed, clinicalDone: true });
          },
          onClinicalRecords: clinical?.(ctx.userId, ctx.warn),
        });
        return summary;
      } finally {
        if (ctx.params.deleteAfter) await rm(ctx.params.path, { force: true });
      }
    },
    async recover(job) {
      try {
        const c = job.committed as Committed | null;
        // Finishes the daily items of a published import, or drops the pending rows of one that was not.
        if (job.userId) await importer.recover(job.userId, { finishing: job.id });
        if (!c) return { error: 'Interrupted by a server restart before the import was saved: nothing from this file was saved. Import it again.' };
        const { clinicalDone, ...counts } = c;
        if (c.clinicalRecordFiles && !clinicalDone) {
          return {
            error: `Interrupted by a server restart after its samples were saved (${c.samples} samples, ${c.daysChanged} days) but before all of its ${c.clinicalRecordFiles} clinical records were imported. Import the file again to add them: what is already saved is not duplicated.`,
          };
        }
        return { result: { ...counts, clinicalRecords: c.clinicalRecordFiles, finishedAfterRestart: true } };
      } finally {
        if (job.params.deleteAfter && job.params.path.endsWith('.upload')) await rm(job.params.path, { force: true });
      }
    },
  });
}
