import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { importDir } from '../../../src/connectors/wearables-module.ts';
import { FIXTURES, expectedFromXml, fixture, storedSamples, wearables, writeZip } from './helpers.ts';

let rt: TestRuntime;
let tmp: string;
beforeAll(async () => {
  rt = await createTestRuntime();
  tmp = mkdtempSync(join(tmpdir(), 'cv-ahf-'));
});
afterAll(async () => {
  await rt?.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

/** Everything the vault holds for a user, to prove a failed import changed nothing. */
async function snapshot(userId: string) {
  const items = await rt.deps.items.exportAll(userId);
  return { stored: await storedSamples(rt, userId), items: items.map((i) => [i.id, i.sourceId, i.updatedAt, i.text]).sort() };
}

/** A user who already imported something, then a bad file: the import fails and nothing moves. */
async function expectRefused(file: string, message: RegExp) {
  const { userId } = await rt.signup();
  await wearables(rt).appleHealth.import(join(FIXTURES, '2024-excerpt.xml'), userId);
  const before = await snapshot(userId);
  expect(before.stored.samples).toBeGreaterThan(0);
  await expect(wearables(rt).appleHealth.import(file, userId)).rejects.toThrow(message);
  expect(await snapshot(userId)).toEqual(before);
  // No spill files left behind.
  const dir = importDir(rt.deps);
  expect(existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('cv-spill-')) : []).toEqual([]);
}

/** Rewrites the uncompressed size of the first central-directory entry (a lying archive). */
function patchDeclaredSize(zipPath: string, size: number) {
  const buf = readFileSync(zipPath);
  const at = buf.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  buf.writeUInt32LE(size, at + 24);
  writeFileSync(zipPath, buf);
}

describe('bad exports fail clearly and leave the vault exactly as before', () => {
  it('a truncated XML', async () => {
    const xml = readFileSync(join(FIXTURES, 'v3-full-11k-records.xml'));
    const file = join(tmp, 'truncated.xml');
    writeFileSync(file, xml.subarray(0, Math.floor(xml.length * 0.6)));
    await expectRefused(file, /truncated/);
  });

  it('a truncated zip', async () => {
    const zip = join(tmp, 'whole.zip');
    await writeZip(zip, { 'apple_health_export/export.xml': fixture('v3-full-11k-records.xml') });
    const buf = readFileSync(zip);
    const file = join(tmp, 'truncated.zip');
    writeFileSync(file, buf.subarray(0, Math.floor(buf.length * 0.7)));
    await expectRefused(file, /zip archive is truncated or damaged/);
  });

  it('a file that is not XML at all', async () => {
    const file = join(tmp, 'not.xml');
    writeFileSync(file, '%PDF-1.4\n%âãÏÓ\n1 0 obj\n');
    await expectRefused(file, /neither a zip archive nor an XML document/);
  });

  it('XML that is not a HealthData export', async () => {
    const file = join(tmp, 'cda.xml');
    writeFileSync(file, '<?xml version="1.0"?><ClinicalDocument><title>x</title></ClinicalDocument>');
    await expectRefused(file, /not an Apple Health export/);
  });

  it('an export that declares DTD entities (billion laughs) is refused, not expanded', async () => {
    const file = join(tmp, 'entities.xml');
    writeFileSync(
      file,
      `<?xml version="1.0"?><!DOCTYPE HealthData [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<HealthData locale="en"><Record type="HKQuantityTypeIdentifierHeartRate" sourceName="&b;" unit="count/min" startDate="2022-10-01 08:00:00 +0200" endDate="2022-10-01 08:00:00 +0200" value="61"/></HealthData>`,
    );
    await expectRefused(file, /DTD entities/);
  });

  it('a zip entry claiming far more than its compressed size (zip bomb by declaration)', async () => {
    const file = join(tmp, 'claims.zip');
    await writeZip(file, { 'apple_health_export/export.xml': fixture('2024-excerpt.xml') });
    patchDeclaredSize(file, 0xf0000000);
    await expectRefused(file, /zip bomb/);
  });

  it('a zip entry inflating far beyond its declared size', async () => {
    const xml = fixture('v3-full-11k-records.xml');
    const file = join(tmp, 'inflates.zip');
    await writeZip(file, { 'apple_health_export/export.xml': xml });
    patchDeclaredSize(file, 200_000);
    await expectRefused(file, /beyond its declared size|zip bomb/);
  });

  it('a real high-ratio bomb (50 MB of padding deflating ~1000×)', async () => {
    const file = join(tmp, 'bomb.zip');
    const padding = Buffer.alloc(50 * 1024 * 1024, 0x20);
    await writeZip(file, { 'export.xml': Buffer.concat([Buffer.from('<?xml version="1.0"?>\n<!DOCTYPE HealthData>\n<HealthData locale="en">'), padding, Buffer.from('</HealthData>')]) });
    await expectRefused(file, /zip bomb/);
  });
});

describe('zip entries that are not the export', () => {
  it('a huge, high-ratio export_cda.xml listed before export.xml is skipped without being inflated', async () => {
    const { userId } = await rt.signup();
    const file = join(tmp, 'with-cda.zip');
    const cda = Buffer.concat([Buffer.from('<?xml version="1.0"?>\n<ClinicalDocument xmlns="urn:hl7-org:v3">'), Buffer.alloc(60 * 1024 * 1024, 0x20), Buffer.from('</ClinicalDocument>')]);
    await writeZip(file, { 'apple_health_export/export_cda.xml': cda, 'apple_health_export/export.xml': fixture('2024-excerpt.xml') });
    const s = await wearables(rt).appleHealth.import(file, userId);
    expect(s.entryName).toBe('apple_health_export/export.xml');
    expect((await storedSamples(rt, userId)).samples).toBe(expectedFromXml(fixture('2024-excerpt.xml')).samples);
  });

  it('a Deflate64 export gives a clear message, not a crash', async () => {
    const file = join(tmp, 'deflate64.zip');
    await writeZip(file, { 'apple_health_export/export.xml': fixture('2024-excerpt.xml') });
    // Mark the entry as Deflate64 (method 9) in its local and central headers, as Windows writes large zips.
    const buf = readFileSync(file);
    buf.writeUInt16LE(9, buf.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04])) + 8);
    buf.writeUInt16LE(9, buf.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 10);
    writeFileSync(file, buf);
    await expectRefused(file, /Deflate64, which this importer cannot read/);
  });
});

describe('re-imports', () => {
  it('importing the same export again changes nothing', async () => {
    const { userId } = await rt.signup();
    const file = join(FIXTURES, 'v3-full-11k-records.xml');
    const first = await wearables(rt).appleHealth.import(file, userId);
    expect(first.samplesAdded).toBeGreaterThan(10_000);
    const before = await snapshot(userId);
    const again = await wearables(rt).appleHealth.import(file, userId);
    expect(again).toMatchObject({ samplesAdded: 0, daysChanged: 0, itemsInserted: 0, itemsUpdated: 0 });
    expect(await snapshot(userId)).toEqual(before);
  });

  it('a newer export adds only what is new and rewrites only the days that grew', async () => {
    const { userId } = await rt.signup();
    const full = fixture('2024-excerpt.xml');
    // The older export: the same file without its last two Records (heart rate day stays, sleep grows later).
    const cut = full.lastIndexOf('<Record type="HKCategoryTypeIdentifierSleepAnalysis"');
    const older = `${full.slice(0, cut)}</HealthData>\n`;
    const olderFile = join(tmp, 'older.xml');
    writeFileSync(olderFile, older);
    await wearables(rt).appleHealth.import(olderFile, userId);
    const before = await snapshot(userId);
    const newer = await wearables(rt).appleHealth.import(join(FIXTURES, '2024-excerpt.xml'), userId);
    expect(newer.samplesAdded).toBe(expectedFromXml(full).samples - expectedFromXml(older).samples);
    expect(newer.samplesAdded).toBe(1);
    expect(newer.itemsUpdated).toBe(1);
    expect(newer.itemsInserted).toBe(0);
    const after = await snapshot(userId);
    const changed = after.items.filter((i) => !before.items.some((b) => JSON.stringify(b) === JSON.stringify(i)));
    expect(changed.map((i) => i[1])).toEqual(['sleep:2024-01-01']);
  });

  it("two users' imports never mix", async () => {
    const a = await rt.signup();
    const b = await rt.signup();
    await Promise.all([
      wearables(rt).appleHealth.import(join(FIXTURES, '2024-excerpt.xml'), a.userId),
      wearables(rt).appleHealth.import(join(FIXTURES, '2019-trimmed-no-dtd.xml'), b.userId),
    ]);
    expect((await storedSamples(rt, a.userId)).samples).toBe(expectedFromXml(fixture('2024-excerpt.xml')).samples);
    expect((await storedSamples(rt, b.userId)).samples).toBe(expectedFromXml(fixture('2019-trimmed-no-dtd.xml')).samples);
    const listA = await rt.api('GET', '/api/vault/items?limit=500', { token: a.token });
    const listB = await rt.api('GET', '/api/vault/items?limit=500', { token: b.token });
    expect(listA.body.items.every((i: { sourceId: string }) => i.sourceId.endsWith('2024-01-01') || i.sourceId.endsWith('2024-01-02'))).toBe(true);
    expect(listB.body.items.some((i: { sourceId: string }) => i.sourceId.includes('2024-'))).toBe(false);
    const forged = await rt.api('GET', `/api/vault/items/${listA.body.items[0].id}`, { token: b.token });
    expect(forged.status).toBe(404);
  });
});
