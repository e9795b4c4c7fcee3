import type { Db } from '../../db/types.ts';
import { findBatches, upsertBatches, type BatchWrite } from '../../db/wearables.ts';
import type { UserKeys } from '../../vault/crypto.ts';
import type { ItemService, ImportItem } from '../../vault/items.ts';
import type { KeyService } from '../../vault/keys.ts';
import { buildDailyItem } from './daily.ts';
import { metricDef } from './metrics.ts';
import { mergeSamples, packSamples, unpackSamples, type Sample } from './sample.ts';

export interface CommitResult {
  /** Samples not stored before. */
  samplesAdded: number;
  /** Stored samples whose value changed (the same reading, corrected). */
  samplesReplaced: number;
  /** Day batches created or grown. */
  daysChanged: number;
  itemsInserted: number;
  itemsUpdated: number;
}

/** Additional authenticated data binding a sealed batch to its row: a blob cannot be moved to another day. */
const aad = (source: string, metric: string, day: string) => `wearable:${source}:${metric}:${day}`;

/**
 * The wearable time series of the vault: merges new samples into sealed day batches
 * (deduplicated) and rewrites the `wearable.daily` item of every day that changed.
 * Sources (apple-health, oura, …) share it.
 */
export class TimeSeriesStore {
  constructor(
    private readonly keys: KeyService,
    private readonly items: ItemService,
  ) {}

  /**
   * Commits day groups (`metric`/`day` → samples) for one user and source. Pass a transaction
   * to make a whole import atomic; only that `db` is used (never a second connection).
   */
  async commit(
    db: Db,
    userId: string,
    source: string,
    groups: Iterable<[{ metric: string; day: string }, Sample[]]>,
    opts: { valueIsIdentity?: boolean } = {},
  ): Promise<CommitResult> {
    const valueIsIdentity = opts.valueIsIdentity ?? true;
    const keys = await this.keys.forUser(userId, db);
    const result: CommitResult = { samplesAdded: 0, samplesReplaced: 0, daysChanged: 0, itemsInserted: 0, itemsUpdated: 0 };
    let chunk: [{ metric: string; day: string }, Sample[]][] = [];
    for (const g of groups) {
      chunk.push(g);
      if (chunk.length >= 400) {
        await this.commitChunk(db, keys, source, chunk, result, valueIsIdentity);
        chunk = [];
      }
    }
    if (chunk.length) await this.commitChunk(db, keys, source, chunk, result, valueIsIdentity);
    return result;
  }

  private async commitChunk(
    db: Db,
    keys: UserKeys,
    source: string,
    chunk: [{ metric: string; day: string }, Sample[]][],
    result: CommitResult,
    valueIsIdentity: boolean,
  ): Promise<void> {
    const existing = await findBatches(db, keys.userId, source, chunk.map(([k]) => k));
    const old = new Map(existing.map((r) => [`${r.metric}\u0000${r.day}`, r.samples_enc]));
    const writes: BatchWrite[] = [];
    const items: ImportItem[] = [];
    for (const [{ metric, day }, incoming] of chunk) {
      const sealed = old.get(`${metric}\u0000${day}`);
      const before = sealed ? unpackSamples(metric, day, keys.decrypt(aad(source, metric, day), sealed).toString('utf8')) : [];
      const { samples, added, replaced } = mergeSamples(before, incoming, valueIsIdentity);
      if (!added && !replaced) continue;
      result.samplesAdded += added;
      result.samplesReplaced += replaced;
      result.daysChanged++;
      let firstAt = Infinity;
      let lastAt = -Infinity;
      for (const s of samples) {
        if (s.start < firstAt) firstAt = s.start;
        if (s.end > lastAt) lastAt = s.end;
      }
      writes.push({
        userId: keys.userId,
        source,
        metric,
        day,
        unit: metricDef(metric, samples[0].unit).unit,
        sampleCount: samples.length,
        firstAt: new Date(firstAt),
        lastAt: new Date(lastAt),
        samplesEnc: keys.encrypt(aad(source, metric, day), packSamples(samples)),
      });
      items.push(buildDailyItem(source, metric, day, samples));
    }
    for (let i = 0; i < writes.length; i += 200) await upsertBatches(db, writes.slice(i, i + 200));
    for (let i = 0; i < items.length; i += 200) {
      const r = await this.items.importItems(keys.userId, items.slice(i, i + 200), db);
      result.itemsInserted += r.inserted.length;
      result.itemsUpdated += r.updated.length;
    }
  }

  /** Decrypted samples of one metric (tests and the API's raw-series reads). */
  async readSeries(db: Db, userId: string, source: string, metric: string, rows: { day: string; samples_enc: Buffer }[]): Promise<Sample[]> {
    const keys = await this.keys.forUser(userId, db);
    return rows.flatMap((r) => unpackSamples(metric, r.day, keys.decrypt(aad(source, metric, r.day), r.samples_enc).toString('utf8')));
  }
}
