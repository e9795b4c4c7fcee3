import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { parseHealthXml, type Attrs } from './parse-export.ts';
import { workoutToSample } from './to-samples.ts';

/** A workout as iOS 17 exports it: statistics inside each WorkoutActivity AND at workout level. */
const IOS17 = `<?xml version="1.0" encoding="UTF-8"?>
<HealthData locale="en_US">
 <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="30.5" durationUnit="min" sourceName="Apple Watch" sourceVersion="10.1" device="&lt;&lt;HKDevice: 0x1&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,2, software:10.1&gt;" creationDate="2023-10-01 08:31:00 +0200" startDate="2023-10-01 08:00:00 +0200" endDate="2023-10-01 08:30:30 +0200">
  <MetadataEntry key="HKIndoorWorkout" value="0"/>
  <WorkoutEvent type="HKWorkoutEventTypeSegment" date="2023-10-01 08:00:00 +0200" duration="10" durationUnit="min"/>
  <WorkoutActivity uuid="7A1B" startDate="2023-10-01 08:00:00 +0200" endDate="2023-10-01 08:30:30 +0200" duration="30.5" durationUnit="min">
   <WorkoutEvent type="HKWorkoutEventTypePause" date="2023-10-01 08:10:00 +0200"/>
   <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate" startDate="2023-10-01 08:00:00 +0200" endDate="2023-10-01 08:30:30 +0200" average="142.3" minimum="98" maximum="171" unit="count/min"/>
   <WorkoutStatistics type="HKQuantityTypeIdentifierActiveEnergyBurned" startDate="2023-10-01 08:00:00 +0200" endDate="2023-10-01 08:30:30 +0200" sum="312.4" unit="kcal"/>
   <WorkoutStatistics type="HKQuantityTypeIdentifierDistanceWalkingRunning" startDate="2023-10-01 08:00:00 +0200" endDate="2023-10-01 08:30:30 +0200" sum="5.02" unit="km"/>
   <WorkoutStatistics type="HKQuantityTypeIdentifierRunningPower" startDate="2023-10-01 08:00:00 +0200" endDate="2023-10-01 08:30:30 +0200" average="250" minimum="100" maximum="400" unit="W"/>
   <MetadataEntry key="HKIndoorWorkout" value="0"/>
  </WorkoutActivity>
  <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate" startDate="2023-10-01 08:00:00 +0200" endDate="2023-10-01 08:30:30 +0200" average="142.3" minimum="98" maximum="171" unit="count/min"/>
  <WorkoutStatistics type="HKQuantityTypeIdentifierActiveEnergyBurned" startDate="2023-10-01 08:00:00 +0200" endDate="2023-10-01 08:30:30 +0200" sum="312.4" unit="kcal"/>
  <WorkoutStatistics type="HKQuantityTypeIdentifierBasalEnergyBurned" startDate="2023-10-01 08:00:00 +0200" endDate="2023-10-01 08:30:30 +0200" sum="40.1" unit="kcal"/>
  <WorkoutStatistics type="HKQuantityTypeIdentifierDistanceWalkingRunning" startDate="2023-10-01 08:00:00 +0200" endDate="2023-10-01 08:30:30 +0200" sum="5.02" unit="km"/>
  <WorkoutRoute sourceName="Apple Watch" sourceVersion="10.1" creationDate="2023-10-01 08:31:00 +0200" startDate="2023-10-01 08:00:00 +0200" endDate="2023-10-01 08:30:30 +0200">
   <FileReference path="/workout-routes/route_2023-10-01_8.30am.gpx"/>
  </WorkoutRoute>
 </Workout>
</HealthData>`;

async function parseWorkouts(xml: string): Promise<{ attrs: Attrs; stats: Attrs[] }[]> {
  const out: { attrs: Attrs; stats: Attrs[] }[] = [];
  await parseHealthXml(Readable.from([Buffer.from(xml)]), { record: () => undefined, activitySummary: () => undefined, workout: (attrs, stats) => out.push({ attrs, stats }) });
  return out;
}

describe('workouts with WorkoutActivity children (iOS 16+)', () => {
  it('counts each statistic once', async () => {
    const [w] = await parseWorkouts(IOS17);
    expect(w.stats.map((s) => s.type).sort()).toEqual(
      ['ActiveEnergyBurned', 'BasalEnergyBurned', 'DistanceWalkingRunning', 'HeartRate', 'RunningPower'].map((t) => `HKQuantityTypeIdentifier${t}`),
    );
    const s = workoutToSample(w.attrs, w.stats)!;
    const detail = s.detail as { statistics: { label: string; text: string }[]; distanceM: number; energyKcal: number };
    expect(detail.statistics.filter((x) => x.label === 'heart rate')).toHaveLength(1);
    expect(detail.statistics.map((x) => x.label).sort()).toEqual(['basal energy burned', 'heart rate', 'running power']);
    expect(detail).toMatchObject({ distanceM: 5020, energyKcal: 312.4 });
    expect(s.value).toBe(30.5);
  });

  it('a statistic found only inside activities is combined across them', async () => {
    const two = IOS17.replace(/^  <WorkoutStatistics type="HKQuantityTypeIdentifier(HeartRate|ActiveEnergyBurned)"[^\n]*\n/gm, '').replace(
      '  </WorkoutActivity>\n',
      '  </WorkoutActivity>\n  <WorkoutActivity uuid="7A1C" startDate="2023-10-01 08:30:30 +0200" endDate="2023-10-01 09:00:30 +0200"><WorkoutStatistics type="HKQuantityTypeIdentifierActiveEnergyBurned" sum="100" unit="kcal"/><WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate" startDate="2023-10-01 08:30:30 +0200" endDate="2023-10-01 09:00:30 +0200" average="120" minimum="90" maximum="180" unit="count/min"/></WorkoutActivity>\n',
    );
    const [w] = await parseWorkouts(two);
    const energy = w.stats.filter((s) => s.type === 'HKQuantityTypeIdentifierActiveEnergyBurned');
    expect(energy).toHaveLength(1);
    expect(Number(energy[0].sum)).toBeCloseTo(412.4);
    const hr = w.stats.filter((s) => s.type === 'HKQuantityTypeIdentifierHeartRate');
    expect(hr).toHaveLength(1);
    expect(hr[0]).toMatchObject({ maximum: '180', minimum: '90' });
    expect(Number(hr[0].average)).toBeGreaterThan(120);
    expect(Number(hr[0].average)).toBeLessThan(142.3);
  });
});
