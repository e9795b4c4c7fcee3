import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../db/schema.ts';
import { markConnection } from '../../db/wearables.ts';
import { NotFoundError } from '../../errors.ts';
import type { Sample } from '../timeseries/sample.ts';
import type { TimeSeriesStore } from '../timeseries/store.ts';
import { ApiClient } from './api-client.ts';
import type { WearableConnections } from './connections.ts';
import type { WearableProvider } from './provider.ts';

export interface SyncResult {
  from: string;
  to: string;
  windows: number;
  samplesAdded: number;
  samplesReplaced: number;
  itemsInserted: number;
  itemsUpdated: number;
  requests: number;
  rateLimitWaits: number;
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Incremental sync by date: from a few days before the last synced day (late data) — or the
 * provider's history window on the first run — to today, window by window. Each window is
 * committed in its own short transaction and then recorded as synced, so an interrupted or
 * rate-limited sync resumes where it stopped. Network calls never happen inside a transaction.
 */
export class WearableSync {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly connections: WearableConnections,
    private readonly store: TimeSeriesStore,
    private readonly log: Logger,
  ) {}

  async sync(
    userId: string,
    provider: WearableProvider,
    o: { signal?: AbortSignal; progress?(done: number, total: number): void; today?: string; maxWaitMs?: number } = {},
  ): Promise<SyncResult> {
    const conn = await this.connections.get(userId, provider.id);
    if (!conn) throw new NotFoundError(`${provider.name} connection`);
    const today = o.today ?? new Date().toISOString().slice(0, 10);
    const from = conn.synced_through ? addDays(conn.synced_through, -provider.overlapDays) : addDays(today, -(provider.initialDays - 1));
    const client = new ApiClient(provider.apiBase, (force) => this.connections.accessToken(userId, provider, force), { signal: o.signal, maxWaitMs: o.maxWaitMs });
    const result: SyncResult = { from, to: today, windows: 0, samplesAdded: 0, samplesReplaced: 0, itemsInserted: 0, itemsUpdated: 0, requests: 0, rateLimitWaits: 0 };
    const totalDays = Math.round((Date.parse(today) - Date.parse(from)) / 86_400_000) + 1;
    let start = from;
    // The total is known before the first request: show it at once, not after the first window.
    o.progress?.(0, totalDays);
    try {
      while (start <= today) {
        const end = minDay(addDays(start, provider.windowDays - 1), today);
        const samples = await provider.fetchWindow(client, start, end);
        const r = await this.db.transaction().execute((trx) => this.store.commit(trx, userId, provider.id, groupByDay(samples), { valueIsIdentity: false }));
        await markConnection(this.db, userId, provider.id, { syncedThrough: end, status: 'connected' });
        result.windows++;
        result.samplesAdded += r.samplesAdded;
        result.samplesReplaced += r.samplesReplaced;
        result.itemsInserted += r.itemsInserted;
        result.itemsUpdated += r.itemsUpdated;
        o.progress?.(Math.round((Date.parse(end) - Date.parse(from)) / 86_400_000) + 1, totalDays);
        start = addDays(end, 1);
      }
    } finally {
      result.requests = client.requests;
      result.rateLimitWaits = client.rateLimitWaits;
    }
    this.log.info({ userId, provider: provider.id, windows: result.windows, added: result.samplesAdded, requests: result.requests }, 'wearable sync done');
    return result;
  }
}

function minDay(a: string, b: string): string {
  return a < b ? a : b;
}

export function groupByDay(samples: Sample[]): [{ metric: string; day: string }, Sample[]][] {
  const groups = new Map<string, Sample[]>();
  for (const s of samples) {
    const k = `${s.metric}\u0000${s.day}`;
    const g = groups.get(k);
    if (g) g.push(s);
    else groups.set(k, [s]);
  }
  return [...groups].map(([k, list]) => {
    const [metric, day] = k.split('\u0000');
    return [{ metric, day }, list];
  });
}
