import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { listBatches } from '../../../src/db/wearables.ts';
import { recoverUnfinishedImports, StagedImport } from '../../../src/connectors/timeseries/staged-import.ts';
import type { DayGroup } from '../../../src/connectors/timeseries/store.ts';
import type { Sample } from '../../../src/connectors/timeseries/sample.ts';
import { packGroup, type PackedGroup } from '../../../src/connectors/timeseries/packed-group.ts';
import { FIXTURES, itemCount, storedSamples, wearables } from './helpers.ts';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime();
});
afterAll(async () => {
  await rt?.destroy();
});

function steps(day: string, n: number, value = 100): DayGroup {
  const samples: Sample[] = Array.from({ length: n }, (_, i) => {
    const start = Date.parse(`${day}T08:00:00Z`) + i * 60_000;
    return { metric: 'steps', day, start, end: start + 60_000, tz: '+00:00', value, unit: '{steps}', sourceName: 'iPhone' };
  });
  return [{ metric: 'steps', day }, samples];
}

const allRows = async (userId: string) =>
  (await sql<{ n: number }>`select count(*)::int as n from wearable_batches where user_id = ${userId}`.execute(rt.deps.db)).rows[0].n;

describe('staged imports: pending rows are invisible until published in one short transaction', () => {
  it('readers see nothing of a staged import, then all of it once published', async () => {
    const { userId } = await rt.signup();
    const store = wearables(rt).timeSeries;
    const staged = new StagedImport(rt.deps.db, store, userId, 'apple-health', 'imp-1');
    await staged.stage([steps('2024-01-01', 5), steps('2024-01-02', 3)]);
    expect(await allRows(userId)).toBe(2);
    expect(await storedSamples(rt, userId)).toEqual({ samples: 0, days: 0 });
    expect(await listBatches(rt.deps.db, userId, 'apple-health', 'steps')).toEqual([]);
    expect(await itemCount(rt, userId)).toBe(0);
    expect((await rt.deps.items.list(userId, {})).items).toEqual([]);

    await staged.publish();
    expect(await storedSamples(rt, userId)).toEqual({ samples: 8, days: 2 });
    await staged.writeItems();
    expect(await itemCount(rt, userId)).toBe(2);
    expect(await allRows(userId)).toBe(2); // no marker left
    expect(staged.result).toMatchObject({ samplesAdded: 8, daysChanged: 2, itemsInserted: 2 });
  });

  it('a failure while staging leaves the vault exactly as before (discard)', async () => {
    const { userId } = await rt.signup();
    await wearables(rt).appleHealth.import(join(FIXTURES, '2024-excerpt.xml'), userId);
    const before = { stored: await storedSamples(rt, userId), rows: await allRows(userId), items: await itemCount(rt, userId) };
    const staged = new StagedImport(rt.deps.db, wearables(rt).timeSeries, userId, 'apple-health', 'imp-2');
    const ctl = new AbortController();
    const groups = function* () {
      for (let d = 1; d <= 9; d++) {
        if (d === 5) ctl.abort(new Error('stopped'));
        yield steps(`2023-0${d}-01`, 9000);
      }
    };
    await expect(staged.stage(groups(), { signal: ctl.signal })).rejects.toThrow('stopped');
    expect(await allRows(userId)).toBeGreaterThan(before.rows);
    await staged.discard();
    expect({ stored: await storedSamples(rt, userId), rows: await allRows(userId), items: await itemCount(rt, userId) }).toEqual(before);
  });

  it('a second import that published meanwhile makes the first fail instead of losing its data', async () => {
    const { userId } = await rt.signup();
    const store = wearables(rt).timeSeries;
    const a = new StagedImport(rt.deps.db, store, userId, 'apple-health', 'imp-a');
    const b = new StagedImport(rt.deps.db, store, userId, 'apple-health', 'imp-b');
    await a.stage([steps('2024-02-01', 2, 10)]);
    await b.stage([steps('2024-02-01', 2, 20)]);
    await b.publish();
    await expect(a.publish()).rejects.toThrow(/Import the file again/);
    await a.discard();
    expect(await storedSamples(rt, userId)).toEqual({ samples: 2, days: 1 });
  });

  it('after a crash, the next recovery removes pending rows and finishes the daily items of a published import', async () => {
    const { userId } = await rt.signup();
    const store = wearables(rt).timeSeries;
    const dead = new StagedImport(rt.deps.db, store, userId, 'apple-health', 'crashed-before-publish');
    await dead.stage([steps('2024-03-01', 4)]);
    const half = new StagedImport(rt.deps.db, store, userId, 'apple-health', 'crashed-after-publish');
    await half.stage([steps('2024-03-02', 4), steps('2024-03-03', 4)]);
    await half.publish();
    expect(await itemCount(rt, userId)).toBe(0);
    // An import still at work is left alone.
    expect(await recoverUnfinishedImports(rt.deps.db, store, userId, async () => true)).toEqual({ discarded: 0, itemsRewritten: 0 });
    const r = await recoverUnfinishedImports(rt.deps.db, store, userId, async () => false);
    expect(r).toEqual({ discarded: 1, itemsRewritten: 2 });
    expect(await itemCount(rt, userId)).toBe(2);
    expect(await storedSamples(rt, userId)).toEqual({ samples: 8, days: 2 });
    expect(await allRows(userId)).toBe(2);
  });

  it('at start, the sweep finishes or removes what interrupted imports of every user left, and leaves running ones alone', async () => {
    const services = wearables(rt);
    const job = async (userId: string, status: 'failed' | 'running') => {
      const id = randomUUID();
      await sql`insert into jobs (id, user_id, type, status) values (${id}, ${userId}, 'apple-health.import', ${status})`.execute(rt.deps.db);
      return id;
    };
    const a = await rt.signup();
    const b = await rt.signup();
    const c = await rt.signup();
    await new StagedImport(rt.deps.db, services.timeSeries, a.userId, 'apple-health', await job(a.userId, 'failed')).stage([steps('2024-04-01', 3)]);
    const published = new StagedImport(rt.deps.db, services.timeSeries, b.userId, 'apple-health', await job(b.userId, 'failed'));
    await published.stage([steps('2024-04-02', 2), steps('2024-04-03', 2)]);
    await published.publish();
    await new StagedImport(rt.deps.db, services.timeSeries, c.userId, 'apple-health', await job(c.userId, 'running')).stage([steps('2024-04-04', 5)]);
    expect(await itemCount(rt, b.userId)).toBe(0);

    await services.appleHealth.recoverAll();
    expect(await allRows(a.userId)).toBe(0);
    expect(await itemCount(rt, b.userId)).toBe(2);
    expect(await storedSamples(rt, b.userId)).toEqual({ samples: 4, days: 2 });
    expect(await allRows(b.userId)).toBe(2);
    expect(await allRows(c.userId)).toBe(1);
    expect(await itemCount(rt, c.userId)).toBe(0);
  });

  it('a day that arrives in several parts (an export in no order) is merged with what this import staged, counted once', async () => {
    const { userId } = await rt.signup();
    const store = wearables(rt).timeSeries;
    // An earlier import holds 2024-04-01 already: the later parts merge on top of it.
    const first = new StagedImport(rt.deps.db, store, userId, 'apple-health', 'imp-old');
    await first.stage([steps('2024-04-01', 2)]);
    await first.publish();
    await first.writeItems();
    const dir = mkdtempSync(join(tmpdir(), 'cv-parts-'));
    try {
      const staged = new StagedImport(rt.deps.db, store, userId, 'apple-health', 'imp-parts', join(dir, 'items'));
      const [, a] = steps('2024-04-01', 6);
      const [, b] = steps('2024-04-02', 4);
      const part = (day: string, list: Sample[]) => packGroup('apple-health', 'steps', day, list);
      async function* batches(): AsyncGenerator<PackedGroup[]> {
        yield [part('2024-04-01', a.slice(0, 4)), part('2024-04-02', b.slice(0, 2))];
        yield [part('2024-04-02', b.slice(1))]; // overlaps the first part by one sample
        yield [part('2024-04-01', a.slice(3))];
      }
      await staged.stage(batches());
      await staged.publish();
      await staged.writeItems();
      expect(staged.result).toMatchObject({ samplesAdded: 8, daysChanged: 2, itemsInserted: 1, itemsUpdated: 1 });
      expect(await storedSamples(rt, userId)).toEqual({ samples: 10, days: 2 });
      const items = (await rt.deps.items.exportAll(userId)).filter((i) => i.sourceId?.startsWith('steps:'));
      expect(items.map((i) => [i.sourceId, (i.content as { sampleCount: number }).sampleCount]).sort()).toEqual([
        ['steps:2024-04-01', 6],
        ['steps:2024-04-02', 4],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
