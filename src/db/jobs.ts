import { sql } from 'kysely';
import type { JobStatus } from './schema.ts';
import type { Db } from './types.ts';

export function insertJob(db: Db, j: { id: string; userId: string | null; type: string; params: unknown; dedupeKey: string | null; unit: string }) {
  return db
    .insertInto('jobs')
    .values({
      id: j.id,
      user_id: j.userId,
      type: j.type,
      status: 'queued',
      dedupe_key: j.dedupeKey,
      params: JSON.stringify(j.params ?? {}),
      progress_done: 0,
      progress_unit: j.unit,
      warnings: '[]',
      result: null,
    })
    .execute();
}

export function findActiveByDedupe(db: Db, dedupeKey: string) {
  return db
    .selectFrom('jobs')
    .select(['id'])
    .where('dedupe_key', '=', dedupeKey)
    .where('status', 'in', ['queued', 'running'])
    .executeTakeFirst();
}

/** The most recent job (any status) of this user under each dedupe key, e.g. a connection's last sync. */
export async function latestByDedupe(db: Db, userId: string, dedupeKeys: string[]): Promise<Map<string, string>> {
  if (!dedupeKeys.length) return new Map();
  const rows = await db
    .selectFrom('jobs')
    .select(['id', 'dedupe_key'])
    .distinctOn('dedupe_key')
    .where('user_id', '=', userId)
    .where('dedupe_key', 'in', dedupeKeys)
    .orderBy('dedupe_key')
    .orderBy('created_at', 'desc')
    .execute();
  return new Map(rows.map((r) => [r.dedupe_key!, r.id]));
}

export function findJob(db: Db, id: string) {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listJobs(db: Db, userId: string, limit: number) {
  return db.selectFrom('jobs').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').limit(limit).execute();
}

/** Claims the oldest queued job of the given types, marking it running. */
export async function claimNextJob(db: Db, types: string[]) {
  if (!types.length) return undefined;
  const r = await sql<{ id: string }>`
    update jobs set status = 'running', started_at = coalesce(started_at, now()), heartbeat_at = now(), attempts = attempts + 1
    where id = (
      select id from jobs where status = 'queued' and type = any(${types}::text[])
      order by created_at limit 1 for update skip locked
    )
    returning id`.execute(db);
  return r.rows[0]?.id;
}

export function updateProgress(db: Db, id: string, p: { done: number; total: number | null; unit: string; warnings: string[] }) {
  return db
    .updateTable('jobs')
    .set({ progress_done: p.done, progress_total: p.total, progress_unit: p.unit, warnings: JSON.stringify(p.warnings), heartbeat_at: new Date() })
    .where('id', '=', id)
    .execute();
}

export function finishJob(db: Db, id: string, status: Extract<JobStatus, 'succeeded' | 'failed'>, f: { error?: string; result?: unknown; warnings: string[]; done: number; total: number | null; unit: string }) {
  return db
    .updateTable('jobs')
    .set({
      status,
      error: f.error ?? null,
      result: f.result === undefined ? null : JSON.stringify(f.result),
      warnings: JSON.stringify(f.warnings),
      progress_done: f.done,
      progress_total: f.total,
      progress_unit: f.unit,
      finished_at: new Date(),
      heartbeat_at: new Date(),
    })
    .where('id', '=', id)
    .execute();
}

/** Records, inside the transaction that saved it, what the job has saved for good (see JobRunner). */
export function markCommitted(db: Db, id: string, committed: unknown) {
  return db.updateTable('jobs').set({ committed: JSON.stringify(committed) }).where('id', '=', id).execute();
}

/** Jobs still marked running (at start: left so by a process that died), of the given types. */
export function listRunningJobs(db: Db, types: string[]) {
  if (!types.length) return Promise.resolve([]);
  return db.selectFrom('jobs').selectAll().where('status', '=', 'running').where('type', 'in', types).execute();
}

/** The files (`params.path`) of queued jobs: an upload a job will read is not an orphan. */
export async function queuedJobFiles(db: Db): Promise<string[]> {
  const r = await db
    .selectFrom('jobs')
    .select(sql<string>`params->>'path'`.as('path'))
    .where('status', '=', 'queued')
    .where(sql<boolean>`params->>'path' is not null`)
    .execute();
  return r.map((x) => x.path);
}

/**
 * Jobs left "running" by a process that died: requeue the resumable ones, fail the rest, but
 * for those of `finishedElsewhere` types, whose handler decides from what was committed (see
 * JobHandler.recover).
 */
export async function recoverInterruptedJobs(db: Db, resumableTypes: string[], maxAttempts: number, finishedElsewhere: string[] = []) {
  const requeued = await sql<{ id: string }>`
    update jobs set status = 'queued'
    where status = 'running' and type = any(${resumableTypes}::text[]) and attempts < ${maxAttempts}
    returning id`.execute(db);
  const failed = await sql<{ id: string }>`
    update jobs set status = 'failed', finished_at = now(),
      error = 'Interrupted by a server restart before it finished; start it again.'
    where status = 'running' and not (type = any(${finishedElsewhere}::text[]))
    returning id`.execute(db);
  return { requeued: requeued.rows.length, failed: failed.rows.length };
}
