import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { importDir } from '../../../src/connectors/wearables-module.ts';
import { AppleHealthImporter } from '../../../src/connectors/apple-health/importer.ts';
import { DEFAULT_IMPORT_LIMITS, type ImportLimits } from '../../../src/connectors/apple-health/import-limits.ts';
import { FIXTURES, fixture, storedSamples, wearables, writeZip } from './helpers.ts';

let rt: TestRuntime;
let tmp: string;
beforeAll(async () => {
  rt = await createTestRuntime();
  tmp = mkdtempSync(join(tmpdir(), 'cv-limits-'));
});
afterAll(async () => {
  await rt?.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

const importer = (limits: Partial<ImportLimits> = {}) =>
  new AppleHealthImporter(rt.deps.db, wearables(rt).timeSeries, pino({ level: 'silent' }), { limits: { ...DEFAULT_IMPORT_LIMITS, ...limits }, spillDir: importDir(rt.deps) });

const xml = () => fixture('2024-excerpt.xml');
const record = (i: number, extra: Record<string, unknown> = {}) => JSON.stringify({ resourceType: 'Observation', id: `o-${i}`, status: 'final', code: { text: 'Glucose' }, effectiveDateTime: '2024-01-02', ...extra });
const refusal = (what: string, limit: string) => new RegExp(`${what.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.* \\(limit ${limit}\\): the import was refused and nothing from this file was saved\\.$`);

/** A user who already imported something, then a file over a limit: the import fails with that message and nothing moves. */
async function expectRefused(file: string, limits: Partial<ImportLimits>, message: RegExp) {
  const { userId } = await rt.signup();
  await wearables(rt).appleHealth.import(join(FIXTURES, '2024-excerpt.xml'), userId);
  const snapshot = async () => ({ stored: await storedSamples(rt, userId), items: (await rt.deps.items.exportAll(userId)).map((i) => [i.id, i.sourceId, i.updatedAt]).sort() });
  const before = await snapshot();
  const imported: unknown[] = [];
  await expect(importer(limits).import(file, userId, { onClinicalRecords: async (r) => void imported.push(...r) })).rejects.toThrow(message);
  expect(await snapshot()).toEqual(before);
  expect(imported).toEqual([]);
  const dir = importDir(rt.deps);
  expect(existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('cv-spill-')) : []).toEqual([]);
}

describe('each limit of an Apple Health import refuses clearly and leaves the vault as it was', () => {
  it('MAX_ZIP_ENTRIES: more entries than the limit', async () => {
    const file = join(tmp, 'entries.zip');
    await writeZip(file, { 'apple_health_export/export.xml': xml(), ...Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`apple_health_export/workout-routes/route_${i}.gpx`, '<gpx/>'])) });
    await expectRefused(file, { maxEntries: 10 }, refusal('The export holds 12 zip entries, more than 10', 'MAX_ZIP_ENTRIES'));
  });

  it('MAX_IMPORT_INFLATED_BYTES: counted while the XML inflates, so the refusal comes mid-parse, after part was staged', async () => {
    const file = join(tmp, 'total.zip');
    const big = fixture('v3-full-11k-records.xml');
    await writeZip(file, { 'apple_health_export/export.xml': big });
    await expectRefused(file, { maxInflatedBytes: Math.floor(big.length * 0.8) }, refusal(`The zip entry "apple_health_export/export.xml" takes the inflated size of the import beyond`, 'MAX_IMPORT_INFLATED_BYTES'));
  });

  it('MAX_EXPORT_XML_BYTES: a bare XML upload over it', async () => {
    const file = join(tmp, 'big.xml');
    writeFileSync(file, fixture('v3-full-11k-records.xml'));
    await expectRefused(file, { maxXmlBytes: 100_000 }, refusal('The export is', 'MAX_EXPORT_XML_BYTES'));
  });

  it('MAX_JSON_DEPTH: a clinical record nesting 200 levels (default limits)', async () => {
    const file = join(tmp, 'deep.zip');
    let ext = '{"url":"x"}';
    for (let i = 0; i < 200; i++) ext = `{"url":"x","extension":[${ext}]}`;
    await writeZip(file, { 'apple_health_export/export.xml': xml(), 'apple_health_export/clinical-records/Observation-1.json': record(1).replace(/}$/, `,"extension":[${ext}]}`) });
    await expectRefused(file, {}, refusal('The zip entry "apple_health_export/clinical-records/Observation-1.json" nests objects or arrays deeper than 100 levels', 'MAX_JSON_DEPTH'));
  });

  it('MAX_CLINICAL_RECORDS_BYTES: clinical records over it together, each one small', async () => {
    const file = join(tmp, 'many.zip');
    await writeZip(file, { 'apple_health_export/export.xml': xml(), ...Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`apple_health_export/clinical-records/Observation-${i}.json`, record(i)])) });
    await expectRefused(file, { maxClinicalRecordsBytes: 3 * record(0).length }, refusal('The zip entry "apple_health_export/clinical-records/Observation-3.json" takes the clinical records beyond', 'MAX_CLINICAL_RECORDS_BYTES'));
  });

  it('MAX_CLINICAL_BYTES_IN_FLIGHT: records reach the FHIR import in batches bounded by their size, all of them', async () => {
    const { userId } = await rt.signup();
    const file = join(tmp, 'budget.zip');
    await writeZip(file, { 'apple_health_export/export.xml': xml(), ...Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`apple_health_export/clinical-records/Observation-${i}.json`, record(i)])) });
    const batches: number[] = [];
    const s = await importer({ maxClinicalBytesInFlight: Math.floor(2.5 * record(0).length) }).import(file, userId, { onClinicalRecords: async (r) => void batches.push(r.length) });
    expect(batches).toEqual([2, 2, 2, 1]);
    expect(s.clinicalRecords).toBe(7);
  });
});
