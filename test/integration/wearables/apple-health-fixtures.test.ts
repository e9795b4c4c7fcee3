import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { FIXTURES, expectedFromXml, fixture, itemCount, storedSamples, wearables, writeZip } from './helpers.ts';

let rt: TestRuntime;
let tmp: string;

beforeAll(async () => {
  rt = await createTestRuntime();
  tmp = mkdtempSync(join(tmpdir(), 'cv-ah-'));
});
afterAll(async () => {
  await rt?.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

const xmlFixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.xml'));

describe('every Apple Health fixture imports with counts that match the file', () => {
  it.each(xmlFixtures)('%s', async (name) => {
    const { userId } = await rt.signup();
    const expected = expectedFromXml(fixture(name));
    const summary = await wearables(rt).appleHealth.import(join(FIXTURES, name), userId);
    expect(summary.records).toBe(expected.records);
    expect(summary.workouts).toBe(expected.workouts);
    expect(summary.activitySummaries).toBe(expected.activitySummaries);
    expect(summary.skipped).toBe(0);
    const stored = await storedSamples(rt, userId);
    // Duplicates (Correlation children repeated at top level) are stored once.
    expect(stored.samples).toBe(expected.samples);
    expect(summary.samplesAdded).toBe(expected.samples);
    // One readable item per metric and day.
    expect(await itemCount(rt, userId)).toBe(stored.days);
    expect(summary.itemsInserted).toBe(stored.days);
  });

  it('the zipped 2019 layout (export.xml beside workout-routes/*.gpx) imports the same as its XML', async () => {
    const { userId } = await rt.signup();
    const xml = fixture('zip-2019-with-routes/apple_health_export/export.xml');
    const zip = join(tmp, 'routes.zip');
    await writeZip(zip, {
      'apple_health_export/workout-routes/route_2019-06-11_3.00pm.gpx': fixture('zip-2019-with-routes/apple_health_export/workout-routes/route_2019-06-11_3.00pm.gpx'),
      // Localized name: found by its content, not its name.
      'apple_health_export/eksport.xml': xml,
    });
    const summary = await wearables(rt).appleHealth.import(zip, userId);
    expect(summary.entryName).toBe('apple_health_export/eksport.xml');
    expect((await storedSamples(rt, userId)).samples).toBe(expectedFromXml(xml).samples);
  });

  it('a ZIP64 archive (as exports over 4 GB are written) reads the same', async () => {
    const { userId } = await rt.signup();
    const zip = join(tmp, 'zip64.zip');
    await writeZip(zip, { 'apple_health_export/export.xml': fixture('2024-excerpt.xml') }, true, true);
    // The ZIP64 end-of-central-directory locator is there.
    expect(readFileSync(zip).includes(Buffer.from([0x50, 0x4b, 0x06, 0x07]))).toBe(true);
    await wearables(rt).appleHealth.import(zip, userId);
    expect((await storedSamples(rt, userId)).samples).toBe(expectedFromXml(fixture('2024-excerpt.xml')).samples);
  });

  it('the Finder re-zipped 2024 export skips __MACOSX and .DS_Store', async () => {
    const { userId } = await rt.signup();
    const summary = await wearables(rt).appleHealth.import(join(FIXTURES, '2024-finder-rezip.zip'), userId);
    expect(summary.entryName).toBe('apple_health_export/export.xml');
    expect((await storedSamples(rt, userId)).samples).toBe(expectedFromXml(fixture('2024-excerpt.xml')).samples);
  });

  it('the 11k-record export keeps food Correlation children once and writes readable days', async () => {
    const { userId, token } = await rt.signup();
    const xml = fixture('v3-full-11k-records.xml');
    const summary = await wearables(rt).appleHealth.import(join(FIXTURES, 'v3-full-11k-records.xml'), userId);
    expect(summary.correlations).toBe(34);
    expect(summary.correlationChildren).toBeGreaterThan(0);
    expect(summary.samples - summary.samplesAdded).toBe(expectedFromXml(xml).records - expectedFromXml(xml).uniqueRecords);
    const hr = await rt.api('GET', '/api/vault/items?kind=wearable.daily&q=8867-4&limit=500', { token });
    expect(hr.status).toBe(200);
    expect(hr.body.items.length).toBeGreaterThan(0);
    expect(hr.body.items.every((i: { title: string }) => i.title.startsWith('Heart rate on '))).toBe(true);
  });

  it('daily texts read as the issue asks: offsets kept, LOINC codes, units, sources', async () => {
    const { userId, token } = await rt.signup();
    await wearables(rt).appleHealth.import(join(FIXTURES, '2024-excerpt.xml'), userId);
    const list = await rt.api('GET', '/api/vault/items?kind=wearable.daily&limit=100', { token });
    const bySourceId = new Map(list.body.items.map((i: { sourceId: string; id: string }) => [i.sourceId, i.id]));
    const hr = await rt.api('GET', `/api/vault/items/${bySourceId.get('heart-rate:2024-01-01')}`, { token });
    expect(hr.body.text).toBe("Heart rate on 2024-01-01: average 75, min 74, max 75 bpm from 2 readings (Alexandre's Apple Watch). LOINC 8867-4.");
    expect(hr.body.effectiveAt).toBe('2023-12-31T22:00:00.000Z');
    expect(hr.body.content).toMatchObject({ metric: 'heart-rate', day: '2024-01-01', unit: '/min', loinc: ['8867-4'] });
    expect(hr.body.categories).toEqual(['vital-signs']);
    const sleep = await rt.api('GET', `/api/vault/items/${bySourceId.get('sleep:2024-01-01')}`, { token });
    expect(sleep.body.text).toContain('core 13 min');
    expect(sleep.body.text).toContain("(Alexandre's Apple Watch)");
  });

  it('hands clinical-records/*.json to the FHIR import callback after the samples are committed', async () => {
    const { userId } = await rt.signup();
    const zip = join(tmp, 'clinical.zip');
    const obs = { resourceType: 'Observation', id: 'obs-1', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] } };
    await writeZip(zip, {
      'apple_health_export/export.xml': fixture('2024-excerpt.xml'),
      'apple_health_export/clinical-records/Observation-obs-1.json': `\uFEFF${JSON.stringify(obs)}`,
      'apple_health_export/clinical-records/broken.json': '{not json',
      '__MACOSX/apple_health_export/clinical-records/._Observation-obs-1.json': 'junk',
    });
    const received: unknown[] = [];
    const warnings: string[] = [];
    const summary = await wearables(rt).appleHealth.import(zip, userId, {
      onClinicalRecords: async (r) => {
        // Samples are already committed when the FHIR path runs.
        expect((await storedSamples(rt, userId)).samples).toBeGreaterThan(0);
        received.push(...r);
      },
      warn: (m) => warnings.push(m),
    });
    expect(received).toEqual([obs]);
    expect(summary.clinicalRecords).toBe(1);
    expect(warnings).toEqual(['A clinical record file could not be read as JSON and was skipped.']);
    const none: string[] = [];
    await wearables(rt).appleHealth.import(zip, (await rt.signup()).userId, { warn: (m) => none.push(m) });
    expect(none).toEqual(['2 clinical record(s) in the export were not imported: the FHIR import is not available.']);
  });
});
