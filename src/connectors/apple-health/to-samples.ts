import { mappedMetric, metricDef } from '../timeseries/metrics.ts';
import { HK_CATEGORY_MAPPING } from '../timeseries/hk-mapping.ts';
import type { Sample } from '../timeseries/sample.ts';
import { toUcum } from '../timeseries/units.ts';
import { humanize } from '../timeseries/format.ts';
import { parseExportNumber, parseExportTime } from './dates.ts';
import { deviceName, MINDFUL_TYPE, QUANTITY, SLEEP_STAGE, SLEEP_TYPE, slugOf } from './hk-types.ts';

const QUANTITY_PREFIX = 'HKQuantityTypeIdentifier';
const CATEGORY_PREFIX = 'HKCategoryTypeIdentifier';
const STAND_HOUR_TYPE = `${CATEGORY_PREFIX}AppleStandHour`;
import type { Attrs } from './parse-export.ts';

/**
 * Turns export elements into normalized samples. Returns null (the caller counts a skip)
 * for what cannot be read: a missing date, a non-numeric quantity.
 */
/** Per HealthKit type: our metric, its part and target unit (computed once per type, not per record). */
const typeCache = new Map<string, { metric: string; component?: string; known: boolean; unit: string }>();

let lastType: { type: string; info: { metric: string; component?: string; known: boolean; unit: string } } | undefined;

function typeInfo(type: string) {
  if (lastType?.type === type) return lastType.info;
  let t = typeCache.get(type);
  if (!t) {
    const known = QUANTITY[type];
    const metric = known?.metric ?? slugOf(type);
    // Types of the HealthKit mapping table get its UCUM unit even without an entry of our own.
    const mapped = !known && type.startsWith(QUANTITY_PREFIX) ? mappedMetric(metric) : undefined;
    t = { metric, component: known?.component, known: !!known || !!mapped, unit: mapped?.unit ?? metricDef(metric).unit };
    typeCache.set(type, t);
  }
  lastType = { type, info: t };
  return t;
}

export type TypeDisposition = 'known' | 'unmapped' | 'unsupported';

/**
 * How a Record type is handled: `known` (our table or the HealthKit mapping table), `unmapped`
 * (a quantity or category type neither table lists: kept under its own name and unit) or
 * `unsupported` (settings such as `HKDataTypeSleepDurationGoal`: goals, not measurements; skipped).
 */
export function typeDisposition(type: string): TypeDisposition {
  if (type.startsWith(QUANTITY_PREFIX)) return QUANTITY[type] || mappedMetric(slugOf(type)) ? 'known' : 'unmapped';
  if (type.startsWith(CATEGORY_PREFIX)) return type === SLEEP_TYPE || type === MINDFUL_TYPE || type.slice(CATEGORY_PREFIX.length) in HK_CATEGORY_MAPPING ? 'known' : 'unmapped';
  return 'unsupported';
}

export function recordToSample(a: Attrs): Sample | null {
  const type = a.type ?? '';
  const start = parseExportTime(a.startDate);
  const end = parseExportTime(a.endDate) ?? start;
  if (!start || !end) return null;
  const sourceName = a.sourceName ?? 'unknown';
  const device = deviceName(a.device);
  if (type.startsWith('HKCategoryTypeIdentifier')) {
    const minutes = (end.ms - start.ms) / 60_000;
    const base = { start: start.ms, end: end.ms, tz: start.tz, day: start.day, sourceName, device };
    if (type === SLEEP_TYPE) {
      // A night belongs to the day it ends (the morning one wakes up).
      return { ...base, metric: 'sleep', day: end.day, tz: end.tz, component: SLEEP_STAGE[a.value ?? ''] ?? 'asleep', value: minutes, unit: 'min' };
    }
    if (type === MINDFUL_TYPE) return { ...base, metric: 'mindful-minutes', value: minutes, unit: 'min' };
    // An hour of the stand ring: 1 when stood, 0 when idle, so a day sums to its stand hours.
    if (type === STAND_HOUR_TYPE) return { ...base, metric: 'stand-hours', component: a.value === 'HKCategoryValueAppleStandHourStood' ? 'stood' : 'idle', value: a.value === 'HKCategoryValueAppleStandHourStood' ? 1 : 0, unit: '{hours}' };
    const component = a.value ? humanize(a.value, 'HKCategoryValue') : undefined;
    return { ...base, metric: `${slugOf(type)}-event`, component, value: minutes, unit: 'min' };
  }
  const raw = parseExportNumber(a.value);
  if (raw === null) return null;
  const t = typeInfo(type);
  const { value, unit } = toUcum(raw, a.unit, t.known || t.unit !== '1' ? t.unit : a.unit ?? '1');
  const sample: Sample = { metric: t.metric, start: start.ms, end: end.ms, tz: start.tz, day: start.day, value, unit, sourceName, device };
  if (t.component) sample.component = t.component;
  return sample;
}

export function workoutToSample(a: Attrs, statistics: Attrs[]): Sample | null {
  const start = parseExportTime(a.startDate);
  const end = parseExportTime(a.endDate) ?? start;
  if (!start || !end) return null;
  const duration = parseExportNumber(a.duration);
  const minutes = duration !== null ? toUcum(duration, a.durationUnit ?? 'min', 'min').value : (end.ms - start.ms) / 60_000;
  let distanceM = num(a.totalDistance, a.totalDistanceUnit, 'm');
  let energyKcal = num(a.totalEnergyBurned, a.totalEnergyBurnedUnit, 'kcal');
  const stats: { label: string; text: string }[] = [];
  for (const st of statistics) {
    const type = st.type ?? '';
    const sum = parseExportNumber(st.sum);
    if (/Distance/.test(type) && sum !== null && !distanceM) distanceM = toUcum(sum, st.unit, 'm').value;
    else if (type.endsWith('ActiveEnergyBurned') && sum !== null && !energyKcal) energyKcal = toUcum(sum, st.unit, 'kcal').value;
    else if (type.endsWith('HeartRate')) {
      const avg = parseExportNumber(st.average);
      const max = parseExportNumber(st.maximum);
      if (avg !== null) stats.push({ label: 'heart rate', text: `average ${Math.round(avg)}${max !== null ? `, max ${Math.round(max)}` : ''} bpm` });
    } else if (sum !== null) stats.push({ label: humanize(type, 'HKQuantityTypeIdentifier').toLowerCase(), text: `${Math.round(sum * 10) / 10} ${st.unit ?? ''}`.trim() });
    else {
      // Statistics without a sum (running power, speed, cadence…) are told by their average.
      const avg = parseExportNumber(st.average);
      if (avg !== null) stats.push({ label: humanize(type, 'HKQuantityTypeIdentifier').toLowerCase(), text: `average ${Math.round(avg * 10) / 10} ${st.unit ?? ''}`.trim() });
    }
  }
  return {
    metric: 'workout',
    component: a.workoutActivityType ?? 'HKWorkoutActivityTypeOther',
    start: start.ms,
    end: end.ms,
    tz: start.tz,
    day: start.day,
    value: Math.round(minutes * 100) / 100,
    unit: 'min',
    sourceName: a.sourceName ?? 'unknown',
    device: deviceName(a.device),
    detail: {
      activity: humanize(a.workoutActivityType ?? 'Workout', 'HKWorkoutActivityType'),
      ...(distanceM ? { distanceM } : {}),
      ...(energyKcal ? { energyKcal } : {}),
      ...(stats.length ? { statistics: stats } : {}),
    },
  };
}

export function activitySummaryToSample(a: Attrs): Sample | null {
  const day = a.dateComponents;
  if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  const start = Date.parse(`${day}T00:00:00Z`);
  const detail: Record<string, number> = {};
  for (const k of ['activeEnergyBurned', 'activeEnergyBurnedGoal', 'appleExerciseTime', 'appleExerciseTimeGoal', 'appleStandHours', 'appleStandHoursGoal', 'appleMoveTime', 'appleMoveTimeGoal']) {
    const v = parseExportNumber(a[k]);
    if (v !== null) detail[k] = v;
  }
  return { metric: 'activity-summary', start, end: start + 86_400_000 - 1, tz: '+00:00', day, value: null, unit: '1', sourceName: 'Activity', detail };
}

function num(v: string | undefined, unit: string | undefined, to: string): number | undefined {
  const n = parseExportNumber(v);
  return n === null || n === 0 ? undefined : toUcum(n, unit, to).value;
}
