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
    const removed = await repo.deleteStaleEmbeddings(this.deps.db, this.opts.model);
    if (removed) this.deps.log.info({ removed }, 'removed stale embeddings');
    for (const userId of await repo.usersNeedingEmbedding(this.deps.db, this.opts.model)) await this.schedule(userId);
    this.sweeper = setInterval(() => void this.sweep(), this.opts.sweepMs ?? 60_000);
    this.sweeper.unref();
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  /** Deletes embeddings of items whose permission expired since the last sweep. */
  async sweep(): Promise<number> {
    try {
      return await repo.deleteStaleEmbeddings(this.deps.db, this.opts.model);
    } catch (e) {
      this.deps.log.warn({ err: (e as Error).message }, 'embedding sweep failed');
      return 0;
    }
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
        ctx.warn('No model backend is available; embeddings will be computed when one is.');
        return { embedded };
      }
      throw e;
    }
    let outcome: 'ok' | 'failed' = 'ok';
    try {
      for (;;) {
        if (ctx.signal.aborted) throw new Error('stopped');
        const rows = await repo.itemsNeedingEmbedding(this.deps.db, userId, this.opts.model, BATCH);
        if (!rows.length) break;
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
        if (rows.length < BATCH) break;
      }
    } catch (e) {
      outcome = 'failed';
      throw e;
    } finally {
      await lease.release(outcome);
    }
    return { embedded };
  }
}
