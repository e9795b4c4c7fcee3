import { rm, stat } from 'node:fs/promises';
import type { JobRunner } from '../../jobs/job-runner.ts';
import type { AppleHealthImporter, ImportOptions } from './importer.ts';

export const APPLE_HEALTH_JOB = 'apple-health.import';

export interface AppleHealthJobParams {
  /** The uploaded file (in the data dir's private imports folder). */
  path: string;
  /** Remove the file when the job ends (uploads); the CLI keeps the user's own file. */
  deleteAfter: boolean;
}

/**
 * Registers the import job. Progress is XML bytes while parsing (total known from the start),
 * then samples while committing; the result holds counts only (no health data). Not
 * resumable: a restart mid-import fails the job; its pending rows stay invisible and are
 * removed (or, if it had already published, its daily items finished) when the gateway starts
 * again, or at the user's next import.
 */
export function registerAppleHealthJob(jobs: JobRunner, importer: AppleHealthImporter, clinical?: (userId: string, warn: (m: string) => void) => ImportOptions['onClinicalRecords']): void {
  jobs.register<AppleHealthJobParams>(APPLE_HEALTH_JOB, {
    resumable: false,
    unit: 'bytes',
    async run(ctx) {
      try {
        if (!ctx.userId) throw new Error('an import job needs a user');
        // The upload's size is the first total (the XML's own size replaces it once the zip is open).
        ctx.progress(0, (await stat(ctx.params.path)).size, 'bytes');
        const summary = await importer.import(ctx.params.path, ctx.userId, {
          importId: ctx.jobId,
          signal: ctx.signal,
          warn: ctx.warn,
          onProgress: (p) => {
            // Daily items are written after the samples are committed: the job stays at its samples total.
            if (p.phase === 'items') return;
            ctx.progress(p.done, p.total, p.phase === 'parsing' ? 'bytes' : 'samples');
          },
          onClinicalRecords: clinical?.(ctx.userId, ctx.warn),
        });
        return summary;
      } finally {
        if (ctx.params.deleteAfter) await rm(ctx.params.path, { force: true });
      }
    },
  });
}
