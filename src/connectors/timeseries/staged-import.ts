import { rmSync } from 'node:fs';
import type { Kysely, Transaction } from 'kysely';
import type { ImportItem } from '../../vault/items.ts';
import type { Database } from '../../db/schema.ts';
import {
  analyzeBatches,
  deleteItemsMarker,
  deleteStaged,
  getItemsMarker,
  listStagedImports,
  publishStaged,
  putItemsMarker,
  type BatchKey,
} from '../../db/wearables.ts';
import { chunks, emptyResult, type CommitResult, type DayGroup, type TimeSeriesStore } from './store.ts';
import { packGroup, type PackedGroup } from './packed-group.ts';
import { readSealedSpill, SealedSpillWriter } from './sealed-spill.ts';

export class ImportConflictError extends Error {
  constructor() {
    super('Another import for this account was saved while this one ran; nothing from this file was saved. Import the file again.');
    this.name = 'ImportConflictError';
  }
}

const markerAad = (source: string, importId: string) => `wearable-items:${source}:${importId}`;

/**
 * A large import written without one long transaction (which would hold the embedded
 * database's single connection, and with it every other request, for the whole import):
 *
 * 1. `stage` merges day groups with the live batches and writes the results as pending rows of
 *    this import, a chunk per short statement. Readers never see pending rows.
 * 2. `publish` makes them live in ONE short transaction (a delete and a rename), and records a
 *    marker listing the days whose daily items must be rewritten. This is the commit point:
 *    before it a failure leaves the vault exactly as before (`discard` drops the pending rows);
 * 3. `writeItems` rewrites those days' `wearable.daily` items in short batches from the now
 *    live batches, then drops the marker. If the process dies in between, `recover` (run when the
 *    gateway starts and at the user's next import) finishes the items from the marker; items are
 *    idempotent.
 */
export class StagedImport {
  readonly result: CommitResult = emptyResult();
  private readonly changed: BatchKey[] = [];
  private published = false;

  private items: SealedSpillWriter | undefined;
  private itemRecords = 0;
  private analyzedAt = 0;
  /** Keys (`metric\0day`) staged so far, and the item file's line of each key's latest item. */
  private readonly stagedKeys = new Set<string>();
  private readonly itemLines = new Map<string, number>();
  private itemCount = 0;

  /**
   * @param itemFile where the daily items built while staging wait for publishing (JSON lines,
   *   sealed with the user's data key in records — see sealed-spill.ts — in a private directory
   *   the caller removes). Without it they are rebuilt from the published batches.
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly store: TimeSeriesStore,
    readonly userId: string,
    readonly source: string,
    readonly importId: string,
    private readonly itemFile?: string,
  ) {}

  /**
   * Stages the groups: day groups, or batches of them as they arrive (a day may come in several
   * parts: later parts merge with what this import staged). `onChunk(samples)` after each chunk;
   * `signal` is checked between chunks.
   */
  async stage(groups: Iterable<DayGroup> | AsyncIterable<PackedGroup[]>, o: { signal?: AbortSignal; onChunk?(samples: number): void; valueIsIdentity?: boolean } = {}): Promise<void> {
    const keys = await this.store.keysFor(this.userId, this.db);
    const valueIsIdentity = o.valueIsIdentity ?? true;
    // Taken before staging: a batch another import publishes meanwhile makes publish() refuse (conflict).
    const liveMetrics = await this.store.liveMetrics(this.db, this.userId, this.source);
    if (this.itemFile && this.items === undefined) this.items = new SealedSpillWriter(this.itemFile, keys, this.importId);
    try {
      for await (const chunk of chunksOf(groups, (g) => packGroup(this.source, g[0].metric, g[0].day, g[1], valueIsIdentity))) {
        o.signal?.throwIfAborted();
        const staged = await this.store.stageChunk(this.db, keys, this.source, this.importId, chunk, this.result, { valueIsIdentity, again: this.stagedKeys, liveMetrics });
        for (const s of staged) {
          const k = `${s.key.metric}\u0000${s.key.day}`;
          if (!this.stagedKeys.has(k)) (this.stagedKeys.add(k), this.changed.push(s.key));
          // A day staged again has a newer item: the earlier line is skipped when writing.
          this.itemLines.set(k, this.itemCount++);
        }
        // The staged rows grow the table the next chunk's lookups search: keep the planner's picture current.
        if (this.changed.length - this.analyzedAt >= 2000) {
          this.analyzedAt = this.changed.length;
          await analyzeBatches(this.db);
        }
        if (this.items && staged.length) this.items.append(staged.map((s) => s.item).join('\n'));
        o.onChunk?.(chunk.reduce((a, g) => a + g.count, 0));
      }
    } finally {
      if (this.items) this.itemRecords = this.items.records;
      this.items?.close();
      this.items = undefined;
    }
  }

  /**
   * The commit point: pending rows become live in one short transaction. `inside(trx)` runs in
   * that same transaction, so what the caller records there (the job's "saved" mark) is true
   * exactly when the samples are.
   */
  async publish(inside?: (trx: Transaction<Database>) => Promise<void>): Promise<void> {
    if (this.changed.length - this.analyzedAt >= 500) await analyzeBatches(this.db);
    const keys = await this.store.keysFor(this.userId, this.db);
    const marker = keys.encrypt(markerAad(this.source, this.importId), JSON.stringify(this.changed.map((k) => [k.metric, k.day])));
    await this.db.transaction().execute(async (trx) => {
      const r = await publishStaged(trx, this.userId, this.source, this.importId);
      if (r.conflicts) throw new ImportConflictError();
      if (this.changed.length) await putItemsMarker(trx, this.userId, this.source, this.importId, marker);
      await inside?.(trx);
    });
    this.published = true;
  }

  get isPublished(): boolean {
    return this.published;
  }

  /** Rewrites the daily items of every changed day, 200 days per short transaction (50 when rebuilt from the batches); then drops the marker. */
  async writeItems(onDays?: (done: number, total: number) => void): Promise<void> {
    if (!this.itemFile) return writeItemsOf(this.db, this.store, this.userId, this.source, this.importId, this.changed, this.result, onDays);
    // The items built while staging, 200 per short transaction, read back line by line (flat memory).
    let batch: ImportItem[] = [];
    let done = 0;
    const latest = new Set(this.itemLines.values());
    let line = -1;
    const flush = async () => {
      const items = batch;
      batch = [];
      await this.db.transaction().execute((trx) => this.store.writeItems(trx, this.userId, items, this.result));
      done += items.length;
      onDays?.(done, this.changed.length);
      // The next batch is often already in memory (decrypted): without a turn of the event loop
      // here, the embedded database's answers come back as microtasks and no waiting request
      // (a job poll, /health) would be read until every item was written.
      await new Promise<void>((ok) => setImmediate(ok));
    };
    const keys = await this.store.keysFor(this.userId, this.db);
    for await (const record of readSealedSpill(this.itemFile, keys, this.importId, this.itemRecords)) {
      for (const text of record.split('\n')) {
        if (!latest.has(++line)) continue;
        batch.push(JSON.parse(text) as ImportItem);
        if (batch.length >= 200) await flush();
      }
    }
    if (batch.length) await flush();
    rmSync(this.itemFile, { force: true });
    await deleteItemsMarker(this.db, this.userId, this.source, this.importId);
  }

  /** Drops this import's pending rows (after a failure before `publish`). */
  async discard(): Promise<void> {
    if (!this.published) await deleteStaged(this.db, this.userId, this.source, this.importId);
  }
}

async function writeItemsOf(
  db: Kysely<Database>,
  store: TimeSeriesStore,
  userId: string,
  source: string,
  importId: string,
  days: BatchKey[],
  result: CommitResult,
  onDays?: (done: number, total: number) => void,
): Promise<void> {
  const keys = await store.keysFor(userId, db);
  let done = 0;
  for (const chunk of chunks(days, 50)) {
    // Each chunk in its own short transaction: a day's item is never half written.
    await db.transaction().execute(async (trx) => store.writeItems(trx, userId, await store.dailyItems(trx, keys, source, chunk), result));
    done += chunk.length;
    onDays?.(done, days.length);
  }
  await deleteItemsMarker(db, userId, source, importId);
}

/** Chunks of at most 400 groups or 20,000 samples, so each round trip (and the wait it causes others) stays short. */
async function* chunksOf(groups: Iterable<DayGroup> | AsyncIterable<PackedGroup[]>, pack: (g: DayGroup) => PackedGroup): AsyncGenerator<PackedGroup[]> {
  const weight = (g: PackedGroup) => g.count;
  if (!(Symbol.asyncIterator in groups)) {
    for (const chunk of chunks(groups, 400, ([, s]) => s.length, 20_000)) yield chunk.map(pack);
    return;
  }
  // Groups of several batches share a chunk (fewer, fuller statements), but never two parts
  // of one day: the second must merge with what the first staged.
  let chunk: PackedGroup[] = [];
  let days = new Set<string>();
  let w = 0;
  for await (const batch of groups) {
    for (const g of batch) {
      const k = `${g.metric}\u0000${g.day}`;
      if (days.has(k)) {
        yield chunk;
        (chunk = []), (days = new Set()), (w = 0);
      }
      chunk.push(g);
      days.add(k);
      w += weight(g);
      if (chunk.length >= 400 || w >= 20_000) {
        yield chunk;
        (chunk = []), (days = new Set()), (w = 0);
      }
    }
  }
  if (chunk.length) yield chunk;
}

/**
 * Cleans up after imports of a user that stopped without finishing (a crash, a kill, a
 * shutdown): pending rows of imports that are not running are deleted (they were never
 * visible), and published imports whose daily items were not all written get them now.
 * `isRunning(importId)` tells which imports are still at work; pending rows of unknown
 * imports are only removed once `staleAfterMs` old (an import in another process).
 */
export async function recoverUnfinishedImports(
  db: Kysely<Database>,
  store: TimeSeriesStore,
  userId: string,
  isRunning: (importId: string) => Promise<boolean | undefined>,
  staleAfterMs = 6 * 3600_000,
): Promise<{ discarded: number; itemsRewritten: number }> {
  const out = { discarded: 0, itemsRewritten: 0 };
  for (const s of await listStagedImports(db, userId)) {
    const running = await isRunning(s.importId);
    if (running) continue;
    if (running === undefined && Date.now() - new Date(s.newest).getTime() < staleAfterMs) continue;
    if (s.kind === 'pending') {
      out.discarded += await deleteStaged(db, userId, s.source, s.importId);
      continue;
    }
    const row = await getItemsMarker(db, userId, s.source, s.importId);
    if (!row) continue;
    const keys = await store.keysFor(userId, db);
    const days = (JSON.parse(keys.decrypt(markerAad(s.source, s.importId), row.samples_enc).toString('utf8')) as [string, string][]).map(([metric, day]) => ({ metric, day }));
    const result = emptyResult();
    await writeItemsOf(db, store, userId, s.source, s.importId, days, result);
    out.itemsRewritten += result.itemsInserted + result.itemsUpdated;
  }
  return out;
}
