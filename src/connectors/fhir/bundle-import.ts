import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { deleteUpload, findUpload, insertUpload } from '../../db/connections.ts';
import type { JobContext, JobHandler, JobRunner } from '../../jobs/job-runner.ts';
import type { ItemService } from '../../vault/items.ts';
import type { KeyService } from '../../vault/keys.ts';
import { flatten, importFhirResources, type FhirImportResult } from './import.ts';
import { ResourceIndex } from './map/references.ts';
import { arr } from './map/datatypes.ts';
import { parseBundleText } from './bundle-body.ts';
import { bundleSource } from './bundle-source.ts';

export const FHIR_BUNDLE_JOB = 'fhir.bundle-import';
const BATCH = 500;

/** Checks an uploaded body is a FHIR Bundle (synchronously, so a bad file is refused at once). */
export function parseBundle(raw: string): { entries: number } {
  return { entries: parseBundleText(raw).entries };
}

/**
 * FHIR Bundle files (Synthea, a patient's `$everything` export): the route checks and seals the
 * upload, a job imports it in batches and then deletes the sealed copy.
 */
export class BundleImports {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly keys: KeyService,
    private readonly jobs: JobRunner,
  ) {}

  /**
   * Checks and seals an upload and queues its import. The item source is `source` when the
   * client names one, else derived from the servers the Bundle's entries came from.
   */
  async start(userId: string, raw: string, source?: string): Promise<{ jobId: string; entries: number; source: string }> {
    const { bundle, entries, converted } = parseBundleText(raw);
    const itemSource = source ?? bundleSource(bundle);
    const k = await this.keys.forUser(userId);
    const uploadId = randomUUID();
    await insertUpload(this.db, { id: uploadId, userId, kind: 'fhir-bundle', dataEnc: k.encrypt(`upload:${uploadId}`, converted ? JSON.stringify(bundle) : raw) });
    const { jobId } = await this.jobs.enqueue({ type: FHIR_BUNDLE_JOB, userId, params: { uploadId, source: itemSource } });
    return { jobId, entries, source: itemSource };
  }

  handler(items: ItemService): JobHandler<{ uploadId: string; source: string }> {
    return {
      resumable: true,
      unit: 'resources',
      run: async (ctx): Promise<FhirImportResult> => {
        const upload = await findUpload(this.db, ctx.params.uploadId);
        if (!upload || upload.user_id !== ctx.userId) throw new Error('The uploaded file is no longer available; upload it again.');
        try {
          return await this.importUpload(ctx, items, upload);
        } catch (e) {
          // A failed import is not retried from this copy: the person uploads again, so the sealed
          // body (their whole record) must not linger. An abort (shutdown) keeps it for the resume.
          if (!ctx.signal.aborted) await deleteUpload(this.db, upload.id);
          throw e;
        }
      },
    };
  }

  private async importUpload(ctx: JobContext<{ uploadId: string; source: string }>, items: ItemService, upload: { id: string; user_id: string; data_enc: Buffer }): Promise<FhirImportResult> {
    const k = await this.keys.forUser(upload.user_id);
    const bundle = JSON.parse(k.decrypt(`upload:${upload.id}`, upload.data_enc).toString('utf8')) as Record<string, unknown>;
    const entries = arr(bundle.entry);
    const total: FhirImportResult = { inserted: 0, updated: 0, unchanged: 0, skipped: 0 };
    ctx.progress(0, entries.length, 'resources');
    // Everything in the file is context (a Binary's document, an order's Medication, urn:uuid
    // references), indexed once and imported in slices.
    const index = new ResourceIndex(flatten([bundle]));
    for (let i = 0; i < entries.length; i += BATCH) {
      ctx.signal.throwIfAborted();
      // The Bundle's own labels travel with each slice.
      const slice = { resourceType: 'Bundle', meta: bundle.meta, entry: entries.slice(i, i + BATCH) };
      const r = await importFhirResources(items, upload.user_id, [slice], { source: ctx.params.source, warn: ctx.warn, index });
      total.inserted += r.inserted;
      total.updated += r.updated;
      total.unchanged += r.unchanged;
      total.skipped += r.skipped;
      ctx.progress(Math.min(entries.length, i + BATCH), entries.length, 'resources');
    }
    await deleteUpload(this.db, upload.id);
    return total;
  }
}
