import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { generateExport } from '../../../bench/gen-apple-health.ts';
import { activeParseWorkers } from '../../../src/connectors/apple-health/parse-in-worker.ts';
import { itemCount, storedSamples, wearables } from './helpers.ts';

/** The XML is parsed in a worker thread while batches are staged: a cancelled import stops both and keeps nothing. */
let rt: TestRuntime;
const file = join(tmpdir(), `cv-abort-${process.pid}.xml`);
beforeAll(async () => {
  rt = await createTestRuntime();
  generateExport(file, 24 * 1024 * 1024);
});
afterAll(async () => {
  await rt?.destroy();
  rmSync(file, { force: true });
});

describe('cancelling an Apple Health import', () => {
  it('mid-parse: the worker is terminated, pending rows are removed, nothing is visible', async () => {
    const { userId } = await rt.signup();
    const ctl = new AbortController();
    let staged = false;
    const run = wearables(rt).appleHealth.import(file, userId, {
      signal: ctl.signal,
      onProgress: (p) => {
        // Abort once a good part is parsed (and batches have been staged meanwhile).
        if (p.phase === 'parsing' && p.done > p.total / 2 && !staged) {
          staged = true;
          ctl.abort(new Error('cancelled by the test'));
        }
      },
    });
    await expect(run).rejects.toThrow(/cancelled by the test/);
    expect(staged).toBe(true);
    expect(await storedSamples(rt, userId)).toEqual({ samples: 0, days: 0 });
    expect(await itemCount(rt, userId)).toBe(0);
    const rows = await sql<{ n: number }>`select count(*)::int as n from wearable_batches where user_id = ${userId}`.execute(rt.deps.db);
    expect(rows.rows[0].n).toBe(0);
    expect(activeParseWorkers()).toBe(0);
  });

  it('a later import of the same file completes normally', async () => {
    const { userId } = await rt.signup();
    const s = await wearables(rt).appleHealth.import(file, userId);
    expect(s.samplesAdded).toBeGreaterThan(10_000);
    expect(activeParseWorkers()).toBe(0);
    expect((await storedSamples(rt, userId)).samples).toBe(s.samplesAdded);
  });
});
