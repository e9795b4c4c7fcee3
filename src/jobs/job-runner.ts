import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Db } from '../db/types.ts';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.ts';
import * as repo from '../db/jobs.ts';
import { NotFoundError } from '../errors.ts';
import { toView, type JobView } from './job-view.ts';

export type { JobView } from './job-view.ts';

/** What a job handler gets: its parameters, progress reporting, warnings and a stop signal. */
export interface JobContext<P = unknown> {
  jobId: string;
  userId: string | null;
  params: P;
  signal: AbortSignal;
  /** Records progress; writes are throttled, so call it as often as useful. */
  progress(done: number, total?: number | null, unit?: string): void;
  warn(message: string): void;
  /**
   * Records what the job has saved for good, inside the transaction `trx` that saves it (so the
   * mark is true exactly when the save is). After a crash, `JobHandler.recover` reads it.
   * Always set by the runner (optional only for contexts that tests build by hand).
   */
  commit?(committed: unknown, trx?: Db): Promise<void>;
}

/** A job found still "running" at start: its process died. `committed` is its last `ctx.commit`, or null. */
export interface InterruptedJob<P = unknown> {
  id: string;
  userId: string | null;
  params: P;
  committed: unknown;
}

export interface JobHandler<P = unknown> {
  /** A resumable job is run again after a crash; others end as failed. */
  resumable: boolean;
  unit?: string;
  run(ctx: JobContext<P>): Promise<unknown>;
  /**
   * For a job that is not resumable: decides, from what it had committed, how an interrupted run
   * ends — `{result}` (its work was all saved: succeeded) or `{error}` (failed, with a message
   * saying what was and was not saved) — after finishing anything the commit left to do.
   * Without it an interrupted job fails with a generic message.
   */
  recover?(job: InterruptedJob<P>): Promise<{ result: unknown } | { error: string }>;
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
  /** The user of each running job (to stop them when the account is deleted) and how each run ends. */
  private readonly runs = new Map<string, { userId: string | null; ended: Promise<void> }>();
  private readonly startHooks: Array<() => Promise<void>> = [];
  private recovering: Promise<void> = Promise.resolve();
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

  /** Work to do at start, after interrupted jobs are recovered and before any job runs (e.g. removing orphan files). */
  onStart(fn: () => Promise<void>): void {
    this.startHooks.push(fn);
  }

  async start(): Promise<void> {
    const resumable = [...this.handlers].filter(([, h]) => h.resumable).map(([t]) => t);
    const decided = [...this.handlers].filter(([, h]) => !h.resumable && h.recover).map(([t]) => t);
    const r = await repo.recoverInterruptedJobs(this.db, resumable, 3, decided);
    if (r.requeued || r.failed) this.log.warn(r, 'recovered jobs interrupted by a restart');
    const interrupted = await repo.listRunningJobs(this.db, decided);
    for (const fn of this.startHooks) await fn().catch((e: Error) => this.log.error({ err: e.message }, 'a start-up step of the job runner failed'));
    // In the background: finishing what a job committed (an import's daily items) may take a while, and must not delay listening.
    this.recovering = (async () => {
      for (const row of interrupted) await this.finishInterrupted(row);
    })();
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

  /** Ends each job a dead process left running as its handler decides from what it had committed. */
  private async finishInterrupted(row: Awaited<ReturnType<typeof repo.listRunningJobs>>[number]): Promise<void> {
    const handler = this.handlers.get(row.type)!;
    const state = { done: Number(row.progress_done), total: row.progress_total === null ? null : Number(row.progress_total), unit: row.progress_unit, warnings: row.warnings as string[] };
    let out: { result: unknown } | { error: string };
    try {
      out = await handler.recover!({ id: row.id, userId: row.user_id, params: row.params, committed: row.committed ?? null });
    } catch (e) {
      this.log.error({ jobId: row.id, type: row.type, err: (e as Error).message }, 'finishing an interrupted job failed');
      out = { error: 'Interrupted by a server restart, and what it had saved could not be finished; start it again.' };
    }
    const ok = 'result' in out;
    await repo
      .finishJob(this.db, row.id, ok ? 'succeeded' : 'failed', 'result' in out ? { result: out.result, ...state } : { error: out.error, ...state })
      .catch((e: Error) => this.log.error({ jobId: row.id, err: e.message }, 'recording an interrupted job failed'));
    this.log.warn({ jobId: row.id, type: row.type, status: ok ? 'succeeded' : 'failed' }, 'interrupted job ended from what it had committed');
  }

  /**
   * Stops the user's running jobs (their account is being deleted) and resolves when they have
   * ended, or after `waitMs` at most.
   */
  async cancelForUser(userId: string, waitMs = 10_000): Promise<void> {
    const ending: Promise<void>[] = [];
    for (const [id, r] of this.runs) {
      if (r.userId !== userId) continue;
      this.running.get(id)?.abort(new Error('account deleted'));
      ending.push(r.ended);
    }
    if (!ending.length) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(ending), new Promise<void>((ok) => (timer = setTimeout(ok, waitMs)))]);
    clearTimeout(timer);
  }

  /** Resolves when no job is running or queued for this runner, and interrupted ones are settled (tests, shutdown). */
  async whenIdle(): Promise<void> {
    await this.recovering;
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
        const run = { userId: null as string | null, ended: Promise.resolve() };
        this.runs.set(id, run);
        run.ended = this.execute(id, controller, run).finally(() => {
          this.running.delete(id);
          this.runs.delete(id);
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

  private async execute(id: string, controller: AbortController, run: { userId: string | null }): Promise<void> {
    const row = await repo.findJob(this.db, id);
    if (!row) return;
    run.userId = row.user_id;
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
      commit: (committed, trx = this.db) => repo.markCommitted(trx, id, committed).then(() => undefined),
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
