import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Hono } from 'hono';
import type { AppEnv } from '../../gateway/context.ts';
import { requireAuth } from '../../gateway/auth-middleware.ts';
import { AppError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../../errors.ts';
import { APPLE_HEALTH_JOB, type AppleHealthJobParams } from './job.ts';

/** 413 that also closes the connection: the rest of the refused body must not be read as the next request. */
const tooLarge = (limit: number) => new AppError('payload_too_large', new PayloadTooLargeError(limit).message, undefined, { Connection: 'close' });

const TYPES = /^(application\/(zip|x-zip-compressed|xml|octet-stream)|text\/xml)\b/i;

/**
 * `POST /api/imports/apple-health`: the body (export.zip or export.xml) is streamed to a
 * private file under the data dir — never held in memory — with MAX_IMPORT_BYTES enforced
 * while it arrives; then an import job is queued → 202 {jobId}.
 */
export function appleHealthRoutes(importDir: string): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/apple-health', requireAuth(), async (c) => {
    const { config, jobs, log } = c.var.deps;
    const limit = config.MAX_IMPORT_BYTES;
    const type = c.req.header('content-type');
    if (type && !TYPES.test(type)) throw new UnsupportedMediaTypeError('application/zip or application/xml');
    const declared = Number(c.req.header('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
    const body = c.req.raw.body;
    if (!body) throw new AppError('bad_request', 'Send the export.zip or export.xml as the request body.');
    await mkdir(importDir, { recursive: true, mode: 0o700 });
    const path = join(importDir, `${randomUUID()}.upload`);
    let received = 0;
    const cap = new Transform({
      transform(chunk: Buffer, _e, cb) {
        received += chunk.length;
        if (received > limit) cb(tooLarge(limit));
        else cb(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(body as import('node:stream/web').ReadableStream), cap, createWriteStream(path, { mode: 0o600 }));
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
    const { jobId } = await jobs.enqueue({ type: APPLE_HEALTH_JOB, userId: c.var.principal.userId, params });
    log.info({ jobId, bytes: received }, 'apple health upload queued');
    return c.json({ jobId }, 202);
  });
  return app;
}
