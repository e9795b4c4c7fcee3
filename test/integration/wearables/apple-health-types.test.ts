import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { listBatches } from '../../../src/db/wearables.ts';
import { wearables } from './helpers.ts';

let rt: TestRuntime;
let tmp: string;
beforeAll(async () => {
  rt = await createTestRuntime();
  tmp = mkdtempSync(join(tmpdir(), 'cv-aht-'));
});
afterAll(async () => {
  await rt?.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

const W = 'sourceName="Apple Watch" sourceVersion="10.1"';
const at = (t: string) => `creationDate="2024-05-02 ${t} +0200" startDate="2024-05-02 ${t} +0200" endDate="2024-05-02 ${t} +0200"`;
const XML = `<?xml version="1.0" encoding="UTF-8"?>
<HealthData locale="en_US">
 <Record type="HKQuantityTypeIdentifierStepCount" ${W} unit="count" ${at('08:00:00')} value="1200"/>
 <Record type="HKQuantityTypeIdentifierBodyMassIndex" sourceName="Withings" unit="count" ${at('07:00:00')} value="23.4"/>
 <Record type="HKQuantityTypeIdentifierFlightsClimbed" sourceName="iPhone" unit="count" ${at('09:00:00')} value="4"/>
 <Record type="HKQuantityTypeIdentifierTimeInDaylight" ${W} unit="min" ${at('12:00:00')} value="35"/>
 <Record type="HKQuantityTypeIdentifierAppleSleepingWristTemperature" ${W} unit="degC" ${at('04:00:00')} value="35.6"/>
 <Record type="HKQuantityTypeIdentifierNumberOfTimesFallen" ${W} unit="count" ${at('10:00:00')} value="1"/>
 <Record type="HKCategoryTypeIdentifierAppleStandHour" ${W} creationDate="2024-05-02 09:00:00 +0200" startDate="2024-05-02 09:00:00 +0200" endDate="2024-05-02 10:00:00 +0200" value="HKCategoryValueAppleStandHourStood"/>
 <Record type="HKCategoryTypeIdentifierAppleStandHour" ${W} creationDate="2024-05-02 10:00:00 +0200" startDate="2024-05-02 10:00:00 +0200" endDate="2024-05-02 11:00:00 +0200" value="HKCategoryValueAppleStandHourStood"/>
 <Record type="HKCategoryTypeIdentifierAppleStandHour" ${W} creationDate="2024-05-02 11:00:00 +0200" startDate="2024-05-02 11:00:00 +0200" endDate="2024-05-02 12:00:00 +0200" value="HKCategoryValueAppleStandHourIdle"/>
 <Record type="HKDataTypeSleepDurationGoal" sourceName="Health" unit="hr" ${at('00:00:00')} value="8"/>
 <Record type="HKQuantityTypeIdentifierSomethingFromIOS27" ${W} unit="count/min" ${at('13:00:00')} value="7"/>
</HealthData>`;

describe('record types and units', () => {
  it('stores counts in UCUM, keeps types it does not know, skips goals, and says so in warnings', async () => {
    const { userId, token } = await rt.signup();
    const file = join(tmp, 'types.xml');
    writeFileSync(file, XML);
    const warnings: string[] = [];
    const s = await wearables(rt).appleHealth.import(file, userId, { warn: (m) => warnings.push(m) });
    expect(s.records).toBe(11);

    const unitOf = async (metric: string) => (await listBatches(rt.deps.db, userId, 'apple-health', metric)).map((b) => b.unit);
    expect(await unitOf('steps')).toEqual(['{steps}']);
    expect(await unitOf('bmi')).toEqual(['kg/m2']);
    expect(await unitOf('flights-climbed')).toEqual(['{flights}']);
    expect(await unitOf('time-in-daylight')).toEqual(['min']);
    expect(await unitOf('apple-sleeping-wrist-temperature')).toEqual(['Cel']);
    expect(await unitOf('number-of-times-fallen')).toEqual(['{falls}']);
    expect(await unitOf('stand-hours')).toEqual(['{hours}']);
    expect(await unitOf('something-from-ios27')).toEqual(['/min']);
    expect(await unitOf('sleep-duration-goal')).toEqual([]);

    expect(warnings).toContainEqual(expect.stringMatching(/1 record\(s\) of 1 HealthKit type\(s\) this version does not know were kept.*HKQuantityTypeIdentifierSomethingFromIOS27 ×1/));
    expect(warnings).toContainEqual(expect.stringMatching(/1 record\(s\) that are settings or goals.*skipped: HKDataTypeSleepDurationGoal ×1/));

    const texts = new Map<string, string>();
    for (const it of (await rt.api('GET', '/api/vault/items?kind=wearable.daily&limit=100', { token })).body.items as { id: string; sourceId: string }[]) {
      texts.set(it.sourceId.split(':')[0], (await rt.api('GET', `/api/vault/items/${it.id}`, { token })).body.text);
    }
    expect(texts.get('steps')).toMatch(/Steps on 2024-05-02: 1,?200 steps/);
    expect(texts.get('steps')).toMatch(/LOINC 55423-8/);
    expect(texts.get('bmi')).toMatch(/23\.4 kg\/m² .*LOINC 39156-5/);
    expect(texts.get('flights-climbed')).toMatch(/4 flights .*LOINC 100304-5/);
    expect(texts.get('stand-hours')).toMatch(/Stand hours on 2024-05-02: 2 hours with standing/);
    expect(texts.get('number-of-times-fallen')).toMatch(/1 falls/);
  });
});
