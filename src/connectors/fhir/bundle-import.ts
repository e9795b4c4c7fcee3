import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { deleteUpload, findUpload, insertUpload } from '../../db/connections.ts';
import type { JobContext, JobHandler, JobRunner } from '../../jobs/job-runner.ts';
import type { ItemService } from '../../vault/items.ts';
import type { KeyService } from '../../vault/keys.ts';
import { flatten, importFhirResources, type FhirImportOptions, type FhirImportResult } from './import.ts';
import { ResourceIndex } from './map/references.ts';
import { arr } from './map/datatypes.ts';
import { parseBundleText } from './bundle-body.ts';
import { bundleSource } from './bundle-source.ts';
import { entryName, entryProblem } from './entry-limits.ts';
import { Yielder } from '../../lib/yielder.ts';
import { AdaptiveBatch } from '../../lib/adaptive-batch.ts';
import { sqlState } from '../../db/errors.ts';

export const FHIR_BUNDLE_JOB = 'fhir.bundle-import';
/** Entries per slice: progress is reported and the upload's abort signal checked between slices. */
const SLICE = 500;
/**
 * Items per database write, adapted to how long writes take: the embedded database runs each
 * statement to its end on the gateway's only thread, so one write (stemming, then the upsert)
 * must stay short for /health and chats to keep answering during a large import.
 */
const WRITE_TARGET_MS = 40;
/** How often a running import tells the embedding upkeep about the items it wrote. */
const ANNOUNCE_EVERY_MS = 15_000;
/** zlib in its thread pool: packing an 11 MB upload must not hold the gateway's thread. */
const pack = promisify(gzip);
const unpack = promisify(gunzip);
const WRITE_BATCH = { min: 10, max: 250, first: 50 };

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
    const { bundle, entries } = parseBundleText(raw);
    const itemSource = source ?? bundleSource(bundle);
    const k = await this.keys.forUser(userId);
    const uploadId = randomUUID();
    // The text as sent (the job parses it again, NDJSON included): a converted copy would need
    // JSON.stringify, which overflows the stack on a deeply nested entry the job is to skip.
    // Gzipped first (FHIR JSON packs ~10x): the embedded database writes and reads the sealed copy
    // in one statement each, which for an 11 MB bundle held every other request for a second.
    const packed = await pack(Buffer.from(raw, 'utf8'), { level: 1 });
    await insertUpload(this.db, { id: uploadId, userId, kind: 'fhir-bundle', dataEnc: k.encrypt(`upload:${uploadId}`, packed) });
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
          throw userFacing(e);
        }
      },
    };
  }

  private async importUpload(ctx: JobContext<{ uploadId: string; source: string }>, items: ItemService, upload: { id: string; user_id: string; data_enc: Buffer }): Promise<FhirImportResult> {
    const k = await this.keys.forUser(upload.user_id);
    // Decrypting and parsing a large file are single long steps: the event loop gets a turn after each.
    const yielder = new Yielder();
    let body = k.decrypt(`upload:${upload.id}`, upload.data_enc);
    // Uploads sealed before they were gzipped are read as they are.
    if (body[0] === 0x1f && body[1] === 0x8b) body = await unpack(body);
    const text = body.toString('utf8');
    await yielder.now();
    const { bundle } = parseBundleText(text);
    await yielder.now();
    const entries = arr(bundle.entry);
    const total: FhirImportResult = { inserted: 0, updated: 0, unchanged: 0, skipped: 0 };
    ctx.progress(0, entries.length, 'resources');
    // Entries past a limit are left out before anything is indexed: a summary must not pull a
    // refused entry's text into another item (a MedicationRequest naming its Medication).
    const kept: unknown[] = [];
    for (let i = 0; i < entries.length; i++) {
      await yielder.maybe();
      const problem = entryProblem(entries[i]);
      if (!problem) kept.push(entries[i]);
      else {
        total.skipped++;
        ctx.warn(`skipped ${entryName(entries[i], i)}: ${problem}`);
      }
    }
    // Everything in the file is context (a Binary's document, an order's Medication, urn:uuid
    // references), indexed once and imported in slices.
    const index = new ResourceIndex(flatten([{ ...bundle, entry: kept }]));
    await yielder.now();
    const batch = new AdaptiveBatch(WRITE_TARGET_MS, WRITE_BATCH.min, WRITE_BATCH.max, WRITE_BATCH.first);
    const pending = { inserted: [] as string[], updated: [] as string[] };
    let announced = performance.now();
    const announce = () => {
      if (pending.inserted.length || pending.updated.length) items.announce(upload.user_id, { inserted: pending.inserted.splice(0), updated: pending.updated.splice(0) });
      announced = performance.now();
    };
    const onWritten = (ids: { inserted: string[]; updated: string[] }) => {
      pending.inserted.push(...ids.inserted);
      pending.updated.push(...ids.updated);
      if (performance.now() - announced > ANNOUNCE_EVERY_MS) announce();
    };
    // What was written is announced even when the job fails or stops midway.
    try {
      await this.importSlices(ctx, items, upload.user_id, bundle, kept, { index, yielder, batch, onWritten }, total, entries.length - kept.length, entries.length);
    } finally {
      announce();
    }
    await deleteUpload(this.db, upload.id);
    return total;
  }

  private async importSlices(
    ctx: JobContext<{ uploadId: string; source: string }>,
    items: ItemService,
    userId: string,
    bundle: Record<string, unknown>,
    kept: unknown[],
    opts: Pick<FhirImportOptions, 'index' | 'yielder' | 'batch' | 'onWritten'>,
    total: FhirImportResult,
    refused: number,
    count: number,
  ): Promise<void> {
    for (let i = 0; i < kept.length; i += SLICE) {
      ctx.signal.throwIfAborted();
      // The Bundle's own labels travel with each slice.
      const slice = { resourceType: 'Bundle', meta: bundle.meta, entry: kept.slice(i, i + SLICE) };
      const r = await importFhirResources(items, userId, [slice], { ...opts, source: ctx.params.source, warn: ctx.warn, checked: true });
      total.inserted += r.inserted;
      total.updated += r.updated;
      total.unchanged += r.unchanged;
      total.skipped += r.skipped;
      ctx.progress(refused + Math.min(kept.length, i + SLICE), count, 'resources');
    }
  }
}

/**
 * The job's error as its owner reads it. A database error's text may quote a value of the
 * record (and means nothing to a patient), so only its code is kept.
 */
function userFacing(e: unknown): unknown {
  const code = sqlState(e);
  if (!code) return e;
  return new Error(`The import stopped because the database refused a write (error ${code}); the entries stored before it stay in the vault. Upload the file again to retry.`);
}
