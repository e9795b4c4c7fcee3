import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { dayXml } from '../../../bench/gen-apple-health.ts';
import { storedSamples, wearables } from './helpers.ts';

/**
 * The worker hands days over as it finishes them; a day met again later (an export in no
 * order) is merged with what the import already staged. The result must not depend on order.
 */
let rt: TestRuntime;
beforeAll(async () => void (rt = await createTestRuntime()));
afterAll(() => rt?.destroy());

const exportOf = (days: number[]) => `<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_NL">\n${days.map((d) => dayXml(d)).join('')}</HealthData>\n`;

async function importDays(dir: string, name: string, days: number[]) {
  const file = join(dir, name);
  writeFileSync(file, exportOf(days));
  const { userId } = await rt.signup();
  const summary = await wearables(rt).appleHealth.import(file, userId);
  const items = (await rt.deps.items.exportAll(userId)).map((i) => [i.sourceId, i.text]).sort();
  return { summary, stored: await storedSamples(rt, userId), items };
}

describe('an export whose days come back later', () => {
  it('stores and summarizes the same as the same days in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cv-order-'));
    try {
      const days = Array.from({ length: 16 }, (_, i) => i);
      const inOrder = await importDays(dir, 'ordered.xml', days);
      // Every day twice, the second time backwards: each comes back long after it was handed over.
      const scattered = await importDays(dir, 'scattered.xml', [...days, ...[...days].reverse()]);
      expect(scattered.stored).toEqual(inOrder.stored);
      expect(scattered.items).toEqual(inOrder.items);
      const { samplesAdded, daysChanged, itemsInserted, itemsUpdated } = inOrder.summary;
      expect(scattered.summary).toMatchObject({ samplesAdded, daysChanged, itemsInserted, itemsUpdated });
      expect(inOrder.stored.samples).toBe(samplesAdded);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
