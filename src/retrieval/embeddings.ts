import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.ts';
import * as repo from '../db/embeddings.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import type { ModelPool } from '../pool/model-pool.ts';
import { PoolUnavailableError } from '../pool/model-pool.ts';
import type { AuditService } from '../vault/audit.ts';
import type { ItemService } from '../vault/items.ts';
import type { Retriever } from './retriever.ts';
import { StatsKeeper } from '../db/maintenance.ts';

const BATCH = 32;
/** A backend that cannot embed is tried again after 30 s, doubling up to 10 minutes. */
const RETRY_MIN_MS = 30_000;
const RETRY_MAX_MS = 600_000;
/** How often the sweep looks for every user with readable items lacking a current embedding. */
const FIND_EVERY_MS = 15 * 60_000;

/**
 * Keeps embeddings in step with permissions (DESIGN.md invariants 1 and 2): only AI-readable
 * items are embedded (through the pool, recorded as a disclosure), an embedding is deleted as
 * soon as its item stops being readable (revoked, expired, made secret), and a model change
 * re-embeds everything in the background.
 */
export class EmbeddingService {
  private sweeper: NodeJS.Timeout | undefined;
  private readonly indexed = new Set<number>();
  private readonly stats = new StatsKeeper();
  /** Expiries up to this database time have been swept. */
  private sweptUntil: Date | undefined;
  /** When the sweep last looked for every user lacking embeddings (ms). */
  private lastFind = 0;
  /** Users to embed again once the backend is back, and the backoff while it is not. */
  private readonly retry = { pending: new Set<string>(), delayMs: 0, notBefore: 0 };
  /** Users scheduled since their running sync last looked for work (enqueue deduplicates into it). */
  private readonly changed = new Set<string>();

  constructor(
    private readonly deps: { db: Kysely<Database>; pool: ModelPool; audit: AuditService; jobs: JobRunner; retriever: Retriever; items: ItemService; log: Logger },
    private readonly opts: { enabled: boolean; model: string; sweepMs?: number },
  ) {
    if (!opts.enabled) return;
    deps.jobs.register<{ userId: string }>('embeddings.sync', { resumable: true, unit: 'items', run: (ctx) => this.sync(ctx.params.userId, ctx) });
    deps.items.subscribe({
      itemsChanged: (userId, _ids, why) => {
        if (why === 'permissions' || why === 'updated') void this.dropStale(userId);
        if (why !== 'deleted') void this.schedule(userId);
        deps.retriever.forget(userId);
      },
      rulesChanged: (userId) => {
        void this.dropStale(userId);
        void this.schedule(userId);
      },
    });
  }

  /** Re-embeds what a model change or a crash left behind, and starts the expiry sweep. */
  async start(): Promise<void> {
    if (!this.opts.enabled) return;
    // Everything before this moment is covered by the full pass below; the sweep takes over after.
    this.sweptUntil = await repo.dbNow(this.deps.db);
    const removed = await repo.deleteStaleEmbeddings(this.deps.db, this.opts.model);
    if (removed) this.deps.log.info({ removed }, 'removed stale embeddings');
    for (const userId of await repo.usersNeedingEmbedding(this.deps.db, this.opts.model)) await this.schedule(userId);
    this.lastFind = Date.now();
    this.sweeper = setInterval(() => void this.sweep(), this.opts.sweepMs ?? 60_000);
    this.sweeper.unref();
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  /**
   * The periodic sweep. Deletes embeddings of items whose permission expired since the last
   * sweep (only those items are looked at: the embedded database has one connection), schedules
   * items an expiry made readable, and retries what the model backend could not embed: the users
   * whose sync failed, and every few minutes any user with readable items lacking a current
   * embedding, both only once the backoff of a backend that was down has passed.
   * `now` (ms) is for tests of the backoff; the expiry window always follows the database clock.
   */
  async sweep(now = Date.now()): Promise<number> {
    let removed = 0;
    try {
      const until = await repo.dbNow(this.deps.db);
      const since = this.sweptUntil ?? new Date(until.getTime() - (this.opts.sweepMs ?? 60_000));
      removed = await repo.deleteExpiredEmbeddings(this.deps.db, since, until);
      const readable = await repo.usersNewlyReadable(this.deps.db, this.opts.model, since, until);
      this.sweptUntil = until;
      for (const userId of readable) this.retry.pending.add(userId);
      if (now >= this.retry.notBefore) {
        if (now - this.lastFind >= FIND_EVERY_MS) {
          for (const userId of await repo.usersNeedingEmbedding(this.deps.db, this.opts.model)) this.retry.pending.add(userId);
          this.lastFind = now;
        }
        const due = [...this.retry.pending];
        this.retry.pending.clear();
        for (const userId of due) await this.schedule(userId);
      }
    } catch (e) {
      this.deps.log.warn({ err: (e as Error).message }, 'embedding sweep failed');
    }
    return removed;
  }

  /** The backend could not embed for this user: retry at the next sweep after the backoff. */
  private backendFailed(userId: string): void {
    this.retry.pending.add(userId);
    this.retry.delayMs = Math.min(RETRY_MAX_MS, Math.max(RETRY_MIN_MS, this.retry.delayMs * 2));
    this.retry.notBefore = Date.now() + this.retry.delayMs;
    this.deps.log.warn({ retryInMs: this.retry.delayMs, pending: this.retry.pending.size }, 'embedding backend unavailable; will retry');
  }

  private backendWorked(): void {
    this.retry.delayMs = 0;
    this.retry.notBefore = 0;
  }

  async dropStale(userId: string): Promise<number> {
    try {
      return await repo.deleteStaleEmbeddings(this.deps.db, this.opts.model, userId);
    } catch (e) {
      this.deps.log.warn({ err: (e as Error).message }, 'dropping stale embeddings failed');
      return 0;
    }
  }

  async schedule(userId: string): Promise<string | undefined> {
    this.changed.add(userId);
    try {
      return (await this.deps.jobs.enqueue({ type: 'embeddings.sync', userId, params: { userId }, dedupeKey: `embeddings:${userId}` })).jobId;
    } catch (e) {
      this.deps.log.warn({ err: (e as Error).message }, 'could not schedule embeddings');
      return undefined;
    }
  }

  private async sync(userId: string, ctx: { progress(done: number, total?: number | null): void; warn(m: string): void; signal: AbortSignal }): Promise<{ embedded: number }> {
    await repo.deleteStaleEmbeddings(this.deps.db, this.opts.model, userId);
    let embedded = 0;
    let lease;
    try {
      lease = await this.deps.pool.lease(userId, { signal: ctx.signal });
    } catch (e) {
      if (e instanceof PoolUnavailableError) {
        this.backendFailed(userId);
        ctx.warn('No model backend is available; embeddings will be computed when one is.');
        return { embedded };
      }
      throw e;
    }
    let outcome: 'ok' | 'failed' = 'ok';
    try {
      for (;;) {
        if (ctx.signal.aborted) throw new Error('stopped');
        this.changed.delete(userId);
        const rows = await repo.itemsNeedingEmbedding(this.deps.db, userId, this.opts.model, BATCH);
        // A share while this job ran was deduplicated into it: look again rather than miss it.
        if (!rows.length && !this.changed.has(userId)) break;
        if (!rows.length) continue;
        const texts = await Promise.all(rows.map((r) => this.deps.retriever.renderForEmbedding(userId, r)));
        await this.deps.audit.recordDisclosure({ userId, model: this.opts.model, purpose: 'embedding', itemIds: rows.map((r) => r.id) });
        const vectors = await lease.embed({ model: this.opts.model, input: texts, signal: ctx.signal });
        if (vectors.length !== rows.length) throw new Error('the embedding model returned a different number of vectors');
        const dims = vectors[0]?.length ?? 0;
        if (!this.indexed.has(dims)) {
          await repo.ensureVectorIndex(this.deps.db, dims);
          this.indexed.add(dims);
        }
        // The permission may have changed while the model worked: store only what is still readable.
        await repo.upsertEmbeddings(this.deps.db, rows.map((r, n) => ({ itemId: r.id, userId, model: this.opts.model, contentHash: r.content_hash, embedding: vectors[n] })));
        await repo.deleteStaleEmbeddings(this.deps.db, this.opts.model, userId);
        await this.stats.wrote(this.deps.db, 'item_embeddings', rows.length);
        embedded += rows.length;
        ctx.progress(embedded);
      }
    } catch (e) {
      outcome = 'failed';
      // A backend that is down or lacks EMBED_MODEL: try again later (a stop is not a failure).
      if (!ctx.signal.aborted) this.backendFailed(userId);
      throw e;
    } finally {
      await lease.release(outcome);
    }
    this.backendWorked();
    return { embedded };
  }
}
