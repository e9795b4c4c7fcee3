import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yazl from 'yazl';
import { createWearableServices, type WearableServices } from '../../../src/connectors/wearables-module.ts';
import { KeyService } from '../../../src/vault/keys.ts';
import { loadMasterKeyring } from '../../../src/vault/master-key.ts';
import { countBatches } from '../../../src/db/wearables.ts';
import type { TestRuntime } from '../../helpers/runtime.ts';

export const FIXTURES = new URL('../../../../shared/fixtures/wearables/apple-health/', import.meta.url).pathname;

/** The wearable services of a test runtime, built the way main.ts builds them. */
export function wearables(rt: TestRuntime): WearableServices {
  return createWearableServices(rt.deps, new KeyService(rt.deps.db, loadMasterKeyring(rt.config).keyring));
}

/** Counts read straight from the XML text, independent of the importer. */
export function expectedFromXml(xml: string) {
  const attrs = (tag: string) => [...xml.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, 'g'))].map((m) => Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((a) => [a[1], a[2]])));
  const records = attrs('Record');
  const unique = new Set(records.map((r) => [r.type, r.startDate, r.endDate, r.value, r.sourceName].join('|')));
  const workouts = attrs('Workout');
  const summaries = attrs('ActivitySummary');
  return { records: records.length, uniqueRecords: unique.size, workouts: workouts.length, activitySummaries: summaries.length, samples: unique.size + workouts.length + summaries.length };
}

export async function storedSamples(rt: TestRuntime, userId: string): Promise<{ samples: number; days: number }> {
  const rows = await countBatches(rt.deps.db, userId);
  return { samples: rows.reduce((a, r) => a + r.samples, 0), days: rows.reduce((a, r) => a + r.days, 0) };
}

export async function itemCount(rt: TestRuntime, userId: string): Promise<number> {
  return (await rt.deps.items.summary(userId)).total;
}

/** Writes a zip of the given entries (name → content) with yazl. */
export async function writeZip(path: string, entries: Record<string, string | Buffer>, compress = true, zip64 = false): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(entries)) zip.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content), name, { compress, forceZip64Format: zip64 });
  zip.end({ forceZip64Format: zip64, comment: '' });
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  writeFileSync(path, Buffer.concat(chunks));
}

export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}
