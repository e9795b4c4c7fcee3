import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Hono } from 'hono';
import type { AppEnv } from '../../gateway/context.ts';
import { requireAuth } from '../../gateway/auth-middleware.ts';
import { AppError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../../errors.ts';
import type { UserKeys } from '../../vault/crypto.ts';
import { APPLE_HEALTH_JOB, type AppleHealthJobParams } from './job.ts';
import { sealingStream } from './sealed-upload.ts';
import { uploadPath } from './temp-files.ts';

/** 413 that also closes the connection: the rest of the refused body must not be read as the next request. */
const tooLarge = (limit: number) => new AppError('payload_too_large', new PayloadTooLargeError(limit).message, undefined, { Connection: 'close' });

/** 415 that also closes the connection, like tooLarge: the refused body may still be arriving. */
const notAnExport = () =>
  new AppError('unsupported_media_type', new UnsupportedMediaTypeError('the Apple Health export.zip or export.xml (the body is neither a zip archive nor XML)').message, undefined, { Connection: 'close' });

/**
 * What the first bytes say: a zip (`PK`), XML (`<` after an optional byte-order mark and
 * whitespace), something else, or undefined while too few bytes have arrived to tell.
 */
export function sniffExport(b: Buffer): 'zip' | 'xml' | 'other' | undefined {
  if (b.length < 2) return b.length === 1 && b[0] !== 0x50 && b[0] !== 0xef && b[0] !== 0x3c && !/\s/.test(String.fromCharCode(b[0])) ? 'other' : undefined;
  if (b[0] === 0x50 && b[1] === 0x4b) return 'zip';
  let i = 0;
  if (b[0] === 0xef && b[1] === 0xbb) {
    if (b.length < 3) return undefined;
    if (b[2] === 0xbf) i = 3;
  }
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++;
  if (i >= b.length) return undefined;
  return b[i] === 0x3c ? 'xml' : 'other';
}

/**
 * `POST /api/imports/apple-health`: the body (export.zip or export.xml) is streamed to a
 * private file under the data dir — never held in memory, and sealed with the user's data key
 * as it is written (nothing of it is ever plain on disk) — with MAX_IMPORT_BYTES enforced while
 * it arrives; then an import job is queued → 202 {jobId}.
 */
export function appleHealthRoutes(importDir: string, keysFor: (userId: string) => Promise<UserKeys>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/apple-health', requireAuth(), async (c) => {
    const { config, jobs, log } = c.var.deps;
    const limit = config.MAX_IMPORT_BYTES;
    // The content type is not trusted either way (clients send octet-stream, text/plain, curl's
    // form type): the first bytes decide, and only a body that is neither zip nor XML gets 415.
    const declared = Number(c.req.header('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
    const body = c.req.raw.body;
    if (!body) throw new AppError('bad_request', 'Send the export.zip or export.xml as the request body.');
    await mkdir(importDir, { recursive: true, mode: 0o700 });
    const userId = c.var.principal.userId;
    const path = uploadPath(importDir, userId);
    const keys = await keysFor(userId);
    let received = 0;
    let head: Buffer | null = Buffer.alloc(0);
    const cap = new Transform({
      transform(chunk: Buffer, _e, cb) {
        received += chunk.length;
        if (received > limit) return cb(tooLarge(limit));
        if (head) {
          head = Buffer.concat([head, chunk.subarray(0, 4096)]);
          const kind = sniffExport(head);
          if (kind === 'other' || (kind === undefined && head.length >= 4096)) return cb(notAnExport());
          if (kind) head = null;
        }
        cb(null, chunk);
      },
      flush(cb) {
        // A short body that never showed a zip or XML start (whitespace only is empty, below).
        if (head && head.length && /\S/.test(head.toString('latin1'))) return cb(notAnExport());
        cb();
      },
    });
    try {
      await pipeline(Readable.fromWeb(body as import('node:stream/web').ReadableStream), cap, sealingStream(keys), createWriteStream(path, { mode: 0o600 }));
    } catch (e) {
      await rm(path, { force: true });
      if (e instanceof AppError) throw e;
      throw new AppError('bad_request', 'The upload was interrupted before the whole body arrived.');
    }
    if (received === 0) {
      await rm(path, { force: true });
      throw new AppError('bad_request', 'The request body is empty: send the export.zip or export.xml.');
    }
    const params: AppleHealthJobParams = { path, deleteAfter: true };
    // If the job cannot be queued (the account was deleted meanwhile), no job would ever remove the file.
    const { jobId } = await jobs.enqueue({ type: APPLE_HEALTH_JOB, userId, params }).catch(async (e: unknown) => {
      await rm(path, { force: true });
      throw e;
    });
    log.info({ jobId, bytes: received }, 'apple health upload queued');
    return c.json({ jobId }, 202);
  });
  return app;
}
