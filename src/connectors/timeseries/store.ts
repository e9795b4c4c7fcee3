import type { Db } from '../../db/types.ts';
import { countBatches, findBatches, NO_BASE, stagedSource, upsertBatches, type BatchKey, type BatchWrite } from '../../db/wearables.ts';
import type { UserKeys } from '../../vault/crypto.ts';
import type { ItemService, ImportItem } from '../../vault/items.ts';
import type { KeyService } from '../../vault/keys.ts';
import { buildDailyItem } from './daily.ts';
import { metricDef } from './metrics.ts';
import { decodeBatch, encodeBatch, mergeSamples, packSamples, unpackSamples, type Sample } from './sample.ts';
import { span, type PackedGroup } from './packed-group.ts';

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

export type DayGroup = [{ metric: string; day: string }, Sample[]];

/** Additional authenticated data binding a sealed batch to its row: a blob cannot be moved to another day. */
export const batchAad = (source: string, metric: string, day: string) => `wearable:${source}:${metric}:${day}`;

/** What merging a chunk of day groups into the live batches produced (nothing written yet). */
interface Prepared {
  writes: BatchWrite[];
  changed: { key: BatchKey; samples: Sample[] }[];
}

/**
 * The wearable time series of the vault: merges new samples into sealed day batches
 * (deduplicated) and rewrites the `wearable.daily` item of every day that changed.
 * Sources (apple-health, oura, …) share it. Two ways in: `commit` writes live rows at once
 * (small windows, inside the caller's short transaction); `stage` (see staged-import.ts) writes
 * a large import as invisible pending rows that are published in one short transaction.
 */
export class TimeSeriesStore {
  constructor(
    private readonly keys: KeyService,
    private readonly items: ItemService,
  ) {}

  keysFor(userId: string, db: Db): Promise<UserKeys> {
    return this.keys.forUser(userId, db);
  }

  /**
   * Commits day groups (`metric`/`day` → samples) for one user and source, live at once. Pass a
   * transaction to make it atomic; only that `db` is used (never a second connection).
   */
  async commit(db: Db, userId: string, source: string, groups: Iterable<DayGroup>, opts: { valueIsIdentity?: boolean } = {}): Promise<CommitResult> {
    const keys = await this.keys.forUser(userId, db);
    const result = emptyResult();
    for (const chunk of chunks(groups, 400)) {
      const p = await this.prepare(db, keys, source, chunk, result, opts.valueIsIdentity ?? true);
      const writes = p.writes.map(({ basedOn: _, ...w }) => w);
      for (let i = 0; i < writes.length; i += 200) await upsertBatches(db, writes.slice(i, i + 200));
      const items = p.changed.map((c) => buildDailyItem(source, c.key.metric, c.key.day, c.samples));
      await this.writeItems(db, userId, items, result);
    }
    return result;
  }

  /**
   * Merges one chunk with the live batches and writes the result as staged rows of `importId`
   * (invisible to every reader). Returns the (metric, day) keys that changed, with their daily
   * item (JSON). `again` lists the keys (`metric\0day`) this import already staged: those merge
   * with their staged row instead (an export's day may arrive in several parts) and are not
   * counted as changed days twice. A group with nothing stored for its day is written as packed.
   * `liveMetrics`, when given, lists the metrics that have live batches of `source`.
   */
  async stageChunk(db: Db, keys: UserKeys, source: string, importId: string, chunk: PackedGroup[], result: CommitResult, o: { valueIsIdentity?: boolean; again?: ReadonlySet<string>; liveMetrics?: ReadonlySet<string> } = {}): Promise<{ key: BatchKey; item: string }[]> {
    const { valueIsIdentity = true, again, liveMetrics } = o;
    const staged = stagedSource(importId, source);
    const seen = (g: BatchKey) => !!again?.has(`${g.metric}\u0000${g.day}`);
    // Metrics with no live batch at all (every one, on a first import) need no lookup.
    const live = chunk.filter((g) => !seen(g) && (!liveMetrics || liveMetrics.has(g.metric)));
    const old = await this.existing(db, keys.userId, source, live, staged, chunk.filter(seen));
    const writes: BatchWrite[] = [];
    const changed: { key: BatchKey; item: string }[] = [];
    for (const g of chunk) {
      const row = old.get(`${g.metric}\u0000${g.day}`);
      const key = { metric: g.metric, day: g.day };
      if (!row) {
        result.daysChanged++;
        result.samplesAdded += g.count;
        result.samplesReplaced += g.replaced;
        const w = { userId: keys.userId, source: staged, metric: g.metric, day: g.day, unit: g.unit, sampleCount: g.count, firstAt: new Date(g.firstAt), lastAt: new Date(g.lastAt) };
        writes.push({ ...w, samplesEnc: keys.encrypt(batchAad(source, g.metric, g.day), encodeBatch(g.packed)), basedOn: NO_BASE });
        changed.push({ key, item: g.item });
        continue;
      }
      const { samples, added, replaced } = mergeSamples(this.open(keys, source, row), unpackSamples(g.metric, g.day, g.packed), valueIsIdentity);
      if (!added && !replaced) continue;
      if (!seen(g)) result.daysChanged++;
      result.samplesAdded += added;
      result.samplesReplaced += replaced + g.replaced;
      writes.push({ ...this.write(keys, source, g.metric, g.day, samples, row), source: staged });
      changed.push({ key, item: JSON.stringify(buildDailyItem(source, g.metric, g.day, samples)) });
    }
    for (let i = 0; i < writes.length; i += 200) await upsertBatches(db, writes.slice(i, i + 200));
    return changed;
  }

  /** Stored batches by `metric\0day`: live ones of `live`, and this import's staged ones of `again`. */
  private async existing(db: Db, userId: string, source: string, live: BatchKey[], staged: string, again: BatchKey[]) {
    const rows = [...(await findBatches(db, userId, source, live.map(({ metric, day }) => ({ metric, day })))), ...(again.length ? await findBatches(db, userId, staged, again.map(({ metric, day }) => ({ metric, day }))) : [])];
    return new Map(rows.map((r) => [`${r.metric}\u0000${r.day}`, r]));
  }

  /** The sealed batch of a day's samples; `row` is the stored batch they were merged from (its updated_at is the base). */
  private write(keys: UserKeys, source: string, metric: string, day: string, samples: Sample[], row?: { updated_at: Date }): BatchWrite {
    const { firstAt, lastAt } = span(samples);
    return {
      userId: keys.userId,
      source,
      metric,
      day,
      unit: metricDef(metric, samples[0].unit).unit,
      sampleCount: samples.length,
      firstAt: new Date(firstAt),
      lastAt: new Date(lastAt),
      samplesEnc: keys.encrypt(batchAad(source, metric, day), encodeBatch(packSamples(samples))),
      basedOn: row ? new Date(row.updated_at) : NO_BASE,
    };
  }

  /** The metrics of which the user has live batches of `source` (not staged ones). */
  async liveMetrics(db: Db, userId: string, source: string): Promise<Set<string>> {
    return new Set((await countBatches(db, userId)).filter((r) => r.source === source).map((r) => r.metric));
  }

  /** The daily items of the given live days, rebuilt from their stored batches. */
  async dailyItems(db: Db, keys: UserKeys, source: string, days: BatchKey[]): Promise<ImportItem[]> {
    const rows = await findBatches(db, keys.userId, source, days);
    return rows.map((r) => buildDailyItem(source, r.metric, r.day, this.open(keys, source, r)));
  }

  async writeItems(db: Db, userId: string, items: ImportItem[], result: CommitResult): Promise<void> {
    for (let i = 0; i < items.length; i += 200) {
      const r = await this.items.importItems(userId, items.slice(i, i + 200), db);
      result.itemsInserted += r.inserted.length;
      result.itemsUpdated += r.updated.length;
    }
  }

  private async prepare(db: Db, keys: UserKeys, source: string, chunk: DayGroup[], result: CommitResult, valueIsIdentity: boolean): Promise<Prepared> {
    const existing = await findBatches(db, keys.userId, source, chunk.map(([k]) => k));
    const old = new Map(existing.map((r) => [`${r.metric}\u0000${r.day}`, r]));
    const out: Prepared = { writes: [], changed: [] };
    for (const [{ metric, day }, incoming] of chunk) {
      const row = old.get(`${metric}\u0000${day}`);
      const before = row ? this.open(keys, source, row) : [];
      const { samples, added, replaced } = mergeSamples(before, incoming, valueIsIdentity);
      if (!added && !replaced) continue;
      result.samplesAdded += added;
      result.samplesReplaced += replaced;
      result.daysChanged++;
      out.writes.push(this.write(keys, source, metric, day, samples, row));
      out.changed.push({ key: { metric, day }, samples });
    }
    return out;
  }

  private open(keys: UserKeys, source: string, r: { metric: string; day: string; samples_enc: Buffer }): Sample[] {
    return unpackSamples(r.metric, r.day, decodeBatch(keys.decrypt(batchAad(source, r.metric, r.day), r.samples_enc)));
  }

  /** Decrypted samples of one metric (tests and the API's raw-series reads). */
  async readSeries(db: Db, userId: string, source: string, metric: string, rows: { day: string; samples_enc: Buffer }[]): Promise<Sample[]> {
    const keys = await this.keys.forUser(userId, db);
    return rows.flatMap((r) => this.open(keys, source, { metric, ...r }));
  }
}

export function emptyResult(): CommitResult {
  return { samplesAdded: 0, samplesReplaced: 0, daysChanged: 0, itemsInserted: 0, itemsUpdated: 0 };
}

/** Splits into chunks of at most `size` elements, or of at most `maxWeight` by `weight`. */
export function* chunks<T>(it: Iterable<T>, size: number, weight?: (x: T) => number, maxWeight = Infinity): Generator<T[]> {
  let chunk: T[] = [];
  let w = 0;
  for (const x of it) {
    chunk.push(x);
    if (weight) w += weight(x);
    if (chunk.length >= size || w >= maxWeight) {
      yield chunk;
      chunk = [];
      w = 0;
    }
  }
  if (chunk.length) yield chunk;
}
