import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.ts';
import * as repo from '../db/jobs.ts';
import { NotFoundError } from '../errors.ts';

/** What a job handler gets: its parameters, progress reporting, warnings and a stop signal. */
export interface JobContext<P = unknown> {
  jobId: string;
  userId: string | null;
  params: P;
  signal: AbortSignal;
  /** Records progress; writes are throttled, so call it as often as useful. */
  progress(done: number, total?: number | null, unit?: string): void;
  warn(message: string): void;
}

export interface JobHandler<P = unknown> {
  /** A resumable job is run again after a crash; others end as failed. */
  resumable: boolean;
  unit?: string;
  run(ctx: JobContext<P>): Promise<unknown>;
}

export interface JobView {
  id: string;
  type: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  progress: { done: number; total: number | null; unit: string };
  warnings: string[];
  error?: string;
  result?: unknown;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

const MAX_WARNINGS = 200;

/**
 * The one job machinery of every long task (syncs, imports, re-embedding). Jobs live in the
 * database so progress, warnings and errors survive a restart; the runner executes them in
 * this process, a few at a time.
 */
export class JobRunner {
  private readonly handlers = new Map<string, JobHandler<any>>();
  private readonly running = new Map<string, AbortController>();
  private readonly idle = new Set<() => void>();
  private stopped = true;
  private pumping = false;
  private poll?: NodeJS.Timeout;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: Logger,
    private readonly concurrency = 2,
    private readonly pollMs = 10_000,
  ) {}

  register<P>(type: string, handler: JobHandler<P>): void {
    this.handlers.set(type, handler);
  }

  async start(): Promise<void> {
    const resumable = [...this.handlers].filter(([, h]) => h.resumable).map(([t]) => t);
    const r = await repo.recoverInterruptedJobs(this.db, resumable, 3);
    if (r.requeued || r.failed) this.log.warn(r, 'recovered jobs interrupted by a restart');
    this.stopped = false;
    // Jobs queued by another process (a CLI import's embeddings, another gateway) are found here.
    this.poll = setInterval(() => void this.pump(), this.pollMs);
    this.poll.unref();
    void this.pump();
  }

  /** Queues a job. With a dedupe key, an active job of the same key is returned instead. */
  async enqueue(j: { type: string; userId: string | null; params?: unknown; dedupeKey?: string }): Promise<{ jobId: string; existing: boolean }> {
    const handler = this.handlers.get(j.type);
    if (!handler) throw new Error(`no handler for job type ${j.type}`);
    if (j.dedupeKey) {
      const active = await repo.findActiveByDedupe(this.db, j.dedupeKey);
      if (active) {
        // It may have been queued by a process that does not run jobs (the CLI).
        void this.pump();
        return { jobId: active.id, existing: true };
      }
    }
    const id = randomUUID();
    try {
      await repo.insertJob(this.db, { id, userId: j.userId, type: j.type, params: j.params ?? {}, dedupeKey: j.dedupeKey ?? null, unit: handler.unit ?? 'items' });
    } catch (e) {
      // Lost a race with another enqueue of the same key: hand back the winner.
      if ((e as { code?: string }).code === '23505' && j.dedupeKey) {
        const active = await repo.findActiveByDedupe(this.db, j.dedupeKey);
        if (active) return { jobId: active.id, existing: true };
      }
      throw e;
    }
    void this.pump();
    return { jobId: id, existing: false };
  }

  async get(userId: string, id: string): Promise<JobView> {
    const row = await repo.findJob(this.db, id);
    if (!row || row.user_id !== userId) throw new NotFoundError('job');
    return toView(row);
  }

  async list(userId: string, limit = 50): Promise<JobView[]> {
    return (await repo.listJobs(this.db, userId, limit)).map(toView);
  }

  /** Resolves when no job is running or queued for this runner (tests, shutdown). */
  async whenIdle(): Promise<void> {
    if (!this.running.size && !this.pumping) return;
    await new Promise<void>((resolve) => this.idle.add(resolve));
  }

  cancel(id: string): boolean {
    const c = this.running.get(id);
    c?.abort(new Error('cancelled'));
    return !!c;
  }

  /** Stops taking jobs and aborts the running ones (they are resumed or failed at next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    for (const c of this.running.values()) c.abort(new Error('server shutting down'));
    await this.whenIdle();
  }

  private async pump(): Promise<void> {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    try {
      while (!this.stopped && this.running.size < this.concurrency) {
        const id = await repo.claimNextJob(this.db, [...this.handlers.keys()]);
        if (!id) break;
        const controller = new AbortController();
        this.running.set(id, controller);
        void this.execute(id, controller).finally(() => {
          this.running.delete(id);
          // After stop() the pump takes nothing more, so the last job to end tells the waiters.
          if (this.stopped) this.notifyIdle();
          else void this.pump();
        });
      }
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'job queue poll failed');
    } finally {
      this.pumping = false;
      this.notifyIdle();
    }
  }

  private notifyIdle(): void {
    if (this.running.size || this.pumping) return;
    for (const r of [...this.idle]) (this.idle.delete(r), r());
  }

  private async execute(id: string, controller: AbortController): Promise<void> {
    const row = await repo.findJob(this.db, id);
    if (!row) return;
    const handler = this.handlers.get(row.type)!;
    const state = { done: Number(row.progress_done), total: row.progress_total === null ? null : Number(row.progress_total), unit: row.progress_unit, warnings: [...(row.warnings as string[])] };
    let lastWrite = 0;
    let pending: Promise<unknown> = Promise.resolve();
    let trailing: NodeJS.Timeout | undefined;
    const flush = () => {
      clearTimeout(trailing);
      trailing = undefined;
      lastWrite = Date.now();
      pending = pending.then(() => repo.updateProgress(this.db, id, state)).catch(() => undefined);
    };
    // Warnings already recorded by an earlier run of a resumed job are not pushed again.
    const known = new Set(state.warnings);
    const ctx: JobContext = {
      jobId: id,
      userId: row.user_id,
      params: row.params,
      signal: controller.signal,
      progress: (done, total, unit) => {
        state.done = done;
        if (total !== undefined) state.total = total;
        if (unit) state.unit = unit;
        if (Date.now() - lastWrite > 500) flush();
        // The last update of a burst is written too, not lost until the next call.
        else trailing ??= setTimeout(flush, 500 - (Date.now() - lastWrite));
      },
      warn: (message) => {
        if (known.has(message)) return;
        known.add(message);
        if (state.warnings.length < MAX_WARNINGS) state.warnings.push(message);
        else if (state.warnings.length === MAX_WARNINGS) state.warnings.push('(further warnings omitted)');
        flush();
      },
    };
    const started = Date.now();
    try {
      const result = await handler.run(ctx).finally(() => clearTimeout(trailing));
      await pending;
      await repo.finishJob(this.db, id, 'succeeded', { result, ...state });
      this.log.info({ jobId: id, type: row.type, ms: Date.now() - started, done: state.done }, 'job succeeded');
    } catch (e) {
      await pending;
      if (this.stopped && handler.resumable) {
        // Left as running on purpose: the next start requeues it.
        this.log.warn({ jobId: id, type: row.type }, 'job interrupted by shutdown');
        return;
      }
      const message = e instanceof Error ? e.message : String(e);
      await repo.finishJob(this.db, id, 'failed', { error: message, ...state }).catch(() => undefined);
      this.log.warn({ jobId: id, type: row.type, ms: Date.now() - started }, 'job failed');
    }
  }
}

function toView(r: NonNullable<Awaited<ReturnType<typeof repo.findJob>>>): JobView {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return {
    id: r.id,
    type: r.type,
    status: r.status,
    progress: { done: Number(r.progress_done), total: r.progress_total === null ? null : Number(r.progress_total), unit: r.progress_unit },
    warnings: r.warnings as string[],
    ...(r.error ? { error: r.error } : {}),
    ...(r.result !== null && r.result !== undefined ? { result: r.result } : {}),
    createdAt: iso(r.created_at)!,
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
  };
}
