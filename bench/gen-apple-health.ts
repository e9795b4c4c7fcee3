import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';

/**
 * Generates a large Apple Health export.xml from the record shapes of the fixtures: the iOS 16
 * DTD (broken ATTLIST included), Watch heart rate with device strings and metadata, steps and
 * distance from iPhone AND Watch over the same minutes, energy, sleep stages, weight, blood
 * pressure Correlations whose children also stand at top level, Workouts with
 * WorkoutStatistics, ActivitySummary — day after day until the size is reached.
 *
 *   npx tsx bench/gen-apple-health.ts --size 1g --out /tmp/export-1g.xml
 */

export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)b?$/i.exec(s.trim());
  if (!m) throw new Error(`bad size ${s} (e.g. 300m, 1g)`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * mult);
}

const FIXTURE_DTD = new URL('../../shared/fixtures/wearables/apple-health/broken-dtd-ios16-v12.xml', import.meta.url);

const WATCH = '&lt;&lt;HKDevice: 0x3012772a0&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,7, software:10.2&gt;';
const PHONE = '&lt;&lt;HKDevice: 0x280e9d6d0&gt;, name:iPhone, manufacturer:Apple Inc., model:iPhone, hardware:iPhone14,2, software:17.2.1&gt;';
const Q = 'HKQuantityTypeIdentifier';

const pad = (n: number) => String(n).padStart(2, '0');
function stamp(dayMs: number, minute: number, second = 0): string {
  const d = new Date(dayMs + minute * 60_000 + second * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0100`;
}

function record(type: string, src: string, dev: string, unit: string | null, start: string, end: string, value: string, meta = ''): string {
  const u = unit ? ` unit="${unit}"` : '';
  const head = `<Record type="${type}" sourceName="${src}" sourceVersion="10.2" device="${dev}"${u} creationDate="${end}" startDate="${start}" endDate="${end}" value="${value}"`;
  return meta ? ` ${head}>\n${meta} </Record>\n` : ` ${head}/>\n`;
}

/** One day of records (~1,000), deterministic from the day number. */
export function dayXml(day: number, base = Date.UTC(2016, 0, 1)): string {
  const dayMs = base + day * 86_400_000;
  const out: string[] = [];
  let seed = day * 7919 + 17;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const dateOnly = stamp(dayMs, 0).slice(0, 10);
  // Heart rate every ~2 minutes from the Watch.
  for (let m = 0; m < 1440; m += 2) {
    const t = stamp(dayMs, m, Math.floor(rnd() * 60));
    out.push(record(`${Q}HeartRate`, 'Apple Watch', WATCH, 'count/min', t, t, String(Math.round(55 + rnd() * 60)), '  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n'));
  }
  out.push(record(`${Q}RestingHeartRate`, 'Apple Watch', WATCH, 'count/min', stamp(dayMs, 0), stamp(dayMs, 1439), String(Math.round(52 + rnd() * 10))));
  // Steps and distance: iPhone and Watch count the same walking minutes.
  for (let m = 420; m < 1320; m += 10) {
    const s = Math.round(rnd() * 900);
    const a = stamp(dayMs, m);
    const b = stamp(dayMs, m + 10);
    out.push(record(`${Q}StepCount`, 'iPhone', PHONE, 'count', a, b, String(s)));
    out.push(record(`${Q}StepCount`, 'Apple Watch', WATCH, 'count', a, b, String(s + Math.round(rnd() * 40))));
    out.push(record(`${Q}DistanceWalkingRunning`, 'iPhone', PHONE, 'km', a, b, (s * 0.00075).toFixed(5)));
    out.push(record(`${Q}ActiveEnergyBurned`, 'Apple Watch', WATCH, 'kcal', a, b, (rnd() * 12).toFixed(3)));
    out.push(record(`${Q}BasalEnergyBurned`, 'Apple Watch', WATCH, 'kcal', a, b, (10 + rnd()).toFixed(3)));
  }
  // Sleep stages of the night ending this morning.
  let m = 0;
  for (const stage of ['Core', 'Deep', 'Core', 'REM', 'Awake', 'Core', 'REM']) {
    const len = 20 + Math.floor(rnd() * 60);
    out.push(
      ` <Record type="HKCategoryTypeIdentifierSleepAnalysis" sourceName="Apple Watch" sourceVersion="10.2" device="${WATCH}" creationDate="${stamp(dayMs, 480)}" startDate="${stamp(dayMs, m)}" endDate="${stamp(dayMs, m + len)}" value="HKCategoryValueSleepAnalysisAsleep${stage === 'Awake' ? '' : stage}">\n  <MetadataEntry key="HKTimeZone" value="Europe/Amsterdam"/>\n </Record>\n`.replace('AsleepAwake', 'Awake').replace('SleepAnalysisAsleep"', 'SleepAnalysisAwake"'),
    );
    m += len;
  }
  // Morning weight (lb, as US exports write it) and a blood pressure correlation whose children also stand alone.
  const w = stamp(dayMs, 430);
  out.push(record(`${Q}BodyMass`, 'Health Mate', '', 'lb', w, w, (160 + rnd() * 4).toFixed(1)).replace(' device=""', ''));
  const sys = String(Math.round(110 + rnd() * 20));
  const dia = String(Math.round(70 + rnd() * 12));
  const sysRec = record(`${Q}BloodPressureSystolic`, 'Health Mate', '', 'mmHg', w, w, sys).replace(' device=""', '');
  const diaRec = record(`${Q}BloodPressureDiastolic`, 'Health Mate', '', 'mmHg', w, w, dia).replace(' device=""', '');
  out.push(sysRec, diaRec);
  out.push(` <Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="Health Mate" sourceVersion="5.1" creationDate="${w}" startDate="${w}" endDate="${w}">\n ${sysRec} ${diaRec} </Correlation>\n`);
  out.push(record(`${Q}OxygenSaturation`, 'Apple Watch', WATCH, '%', stamp(dayMs, 200), stamp(dayMs, 200), (0.94 + rnd() * 0.05).toFixed(2)));
  // A run with statistics.
  const ws = stamp(dayMs, 1080);
  const we = stamp(dayMs, 1112);
  const energy = (280 + rnd() * 50).toFixed(1);
  const km = (5 + rnd()).toFixed(2);
  out.push(
    ` <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="32.1" durationUnit="min" sourceName="Apple Watch" sourceVersion="10.2" device="${WATCH}" creationDate="${we}" startDate="${ws}" endDate="${we}">\n` +
      `  <MetadataEntry key="HKIndoorWorkout" value="0"/>\n  <WorkoutEvent type="HKWorkoutEventTypePause" date="${stamp(dayMs, 1090)}"/>\n  <WorkoutEvent type="HKWorkoutEventTypeResume" date="${stamp(dayMs, 1091)}"/>\n` +
      // iOS 16+ shape: the activity holds its statistics and the workout repeats them.
      `  <WorkoutActivity uuid="${day}-1" startDate="${ws}" endDate="${we}" duration="32.1" durationUnit="min">\n` +
      `   <WorkoutStatistics type="${Q}ActiveEnergyBurned" startDate="${ws}" endDate="${we}" sum="${energy}" unit="kcal"/>\n` +
      `   <WorkoutStatistics type="${Q}DistanceWalkingRunning" startDate="${ws}" endDate="${we}" sum="${km}" unit="km"/>\n` +
      `   <WorkoutStatistics type="${Q}HeartRate" startDate="${ws}" endDate="${we}" average="148" minimum="102" maximum="171" unit="count/min"/>\n` +
      `  </WorkoutActivity>\n` +
      `  <WorkoutStatistics type="${Q}ActiveEnergyBurned" startDate="${ws}" endDate="${we}" sum="${energy}" unit="kcal"/>\n` +
      `  <WorkoutStatistics type="${Q}DistanceWalkingRunning" startDate="${ws}" endDate="${we}" sum="${km}" unit="km"/>\n` +
      `  <WorkoutStatistics type="${Q}HeartRate" startDate="${ws}" endDate="${we}" average="148" minimum="102" maximum="171" unit="count/min"/>\n` +
      `  <WorkoutRoute sourceName="Apple Watch" sourceVersion="10.2" creationDate="${we}" startDate="${ws}" endDate="${we}">\n   <FileReference path="/workout-routes/route_${dateOnly}_6.00pm.gpx"/>\n  </WorkoutRoute>\n </Workout>\n`,
  );
  out.push(` <ActivitySummary dateComponents="${dateOnly}" activeEnergyBurned="${(400 + rnd() * 300).toFixed(3)}" activeEnergyBurnedGoal="500" activeEnergyBurnedUnit="Cal" appleMoveTime="0" appleMoveTimeGoal="0" appleExerciseTime="${Math.round(rnd() * 60)}" appleExerciseTimeGoal="30" appleStandHours="${Math.round(8 + rnd() * 6)}" appleStandHoursGoal="12"/>\n`);
  return out.join('');
}

/** Writes an export of at least `bytes` bytes; returns its size and the number of days and Records. */
export function generateExport(path: string, bytes: number): { bytes: number; days: number; records: number } {
  const dtd = readFileSync(FIXTURE_DTD, 'utf8');
  const header = dtd.slice(0, dtd.indexOf('<HealthData'));
  const fd = openSync(path, 'w');
  let written = 0;
  let records = 0;
  const put = (s: string) => {
    written += writeSync(fd, s);
  };
  put(header);
  put('<HealthData locale="en_NL">\n <ExportDate value="2026-11-01 08:00:00 +0100"/>\n <Me HKCharacteristicTypeIdentifierDateOfBirth="" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexNotSet" HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet" HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet" HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse="None"/>\n');
  let day = 0;
  while (written < bytes) {
    const xml = dayXml(day++);
    records += xml.split('<Record ').length - 1;
    put(xml);
  }
  put('</HealthData>\n');
  closeSync(fd);
  return { bytes: written, days: day, records };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { size: { type: 'string', default: '300m' }, out: { type: 'string', default: 'export.xml' } } });
  const r = generateExport(values.out!, parseSize(values.size!));
  console.log(`wrote ${values.out}: ${(r.bytes / 1024 / 1024).toFixed(1)} MB, ${r.days} days, ${r.records} Records`);
}
