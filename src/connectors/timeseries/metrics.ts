/**
 * The metrics we keep and how a day of each reads. LOINC codes are written into the daily
 * text (`LOINC 8867-4`) so retrieval finds them through the blind index; the table agrees
 * with the HealthKit→LOINC mapping in the fixtures (checked by metrics.test.ts).
 */
import { HK_QUANTITY_MAPPING } from './hk-mapping.ts';

export type DailySummary = 'sum' | 'stats' | 'heart-rate' | 'blood-pressure' | 'sleep' | 'workout' | 'activity-summary' | 'events';

export interface MetricDef {
  id: string;
  label: string;
  category: 'vital-signs' | 'activity' | 'sleep' | 'nutrition' | 'body' | 'laboratory' | 'other';
  /** UCUM unit every sample of the metric is converted to. */
  unit: string;
  /** How the unit reads in text. */
  unitLabel: string;
  loinc: string[];
  summary: DailySummary;
  /** Sums only: samples from several devices over the same time are counted once. */
  overlapping?: boolean;
  digits?: number;
}

const defs: MetricDef[] = [
  { id: 'heart-rate', label: 'Heart rate', category: 'vital-signs', unit: '/min', unitLabel: 'bpm', loinc: ['8867-4'], summary: 'heart-rate', digits: 0 },
  { id: 'hrv', label: 'Heart rate variability (SDNN)', category: 'vital-signs', unit: 'ms', unitLabel: 'ms', loinc: ['80404-7'], summary: 'stats', digits: 0 },
  { id: 'steps', label: 'Steps', category: 'activity', unit: '{steps}', unitLabel: 'steps', loinc: ['55423-8'], summary: 'sum', overlapping: true, digits: 0 },
  { id: 'distance-walking-running', label: 'Walking and running distance', category: 'activity', unit: 'm', unitLabel: 'km', loinc: [], summary: 'sum', overlapping: true, digits: 2 },
  { id: 'distance-cycling', label: 'Cycling distance', category: 'activity', unit: 'm', unitLabel: 'km', loinc: [], summary: 'sum', overlapping: true, digits: 2 },
  { id: 'active-energy', label: 'Active energy', category: 'activity', unit: 'kcal', unitLabel: 'kcal', loinc: ['41981-2'], summary: 'sum', overlapping: true, digits: 0 },
  { id: 'basal-energy', label: 'Resting energy', category: 'activity', unit: 'kcal', unitLabel: 'kcal', loinc: [], summary: 'sum', overlapping: true, digits: 0 },
  { id: 'flights-climbed', label: 'Flights climbed', category: 'activity', unit: '{flights}', unitLabel: 'flights', loinc: ['100304-5'], summary: 'sum', overlapping: true, digits: 0 },
  { id: 'exercise-time', label: 'Exercise time', category: 'activity', unit: 'min', unitLabel: 'min', loinc: [], summary: 'sum', overlapping: true, digits: 0 },
  { id: 'stand-hours', label: 'Stand hours', category: 'activity', unit: '{hours}', unitLabel: 'hours with standing', loinc: [], summary: 'sum', digits: 0 },
  { id: 'stand-time', label: 'Stand time', category: 'activity', unit: 'min', unitLabel: 'min', loinc: [], summary: 'sum', overlapping: true, digits: 0 },
  { id: 'body-weight', label: 'Body weight', category: 'vital-signs', unit: 'kg', unitLabel: 'kg', loinc: ['29463-7'], summary: 'stats', digits: 1 },
  { id: 'bmi', label: 'Body mass index', category: 'vital-signs', unit: 'kg/m2', unitLabel: 'kg/m²', loinc: ['39156-5'], summary: 'stats', digits: 1 },
  { id: 'height', label: 'Height', category: 'vital-signs', unit: 'cm', unitLabel: 'cm', loinc: ['8302-2'], summary: 'stats', digits: 1 },
  { id: 'body-fat', label: 'Body fat', category: 'body', unit: '%', unitLabel: '%', loinc: ['41982-0'], summary: 'stats', digits: 1 },
  { id: 'spo2', label: 'Blood oxygen saturation (SpO2)', category: 'vital-signs', unit: '%', unitLabel: '%', loinc: ['59408-5'], summary: 'stats', digits: 0 },
  { id: 'respiratory-rate', label: 'Respiratory rate', category: 'vital-signs', unit: '/min', unitLabel: 'breaths/min', loinc: ['9279-1'], summary: 'stats', digits: 0 },
  { id: 'body-temperature', label: 'Body temperature', category: 'vital-signs', unit: 'Cel', unitLabel: '°C', loinc: ['8310-5'], summary: 'stats', digits: 1 },
  { id: 'blood-pressure', label: 'Blood pressure', category: 'vital-signs', unit: 'mm[Hg]', unitLabel: 'mmHg', loinc: ['85354-9', '8480-6', '8462-4'], summary: 'blood-pressure', digits: 0 },
  { id: 'blood-glucose', label: 'Blood glucose', category: 'laboratory', unit: 'mg/dL', unitLabel: 'mg/dL', loinc: ['41653-7'], summary: 'stats', digits: 0 },
  { id: 'vo2max', label: 'VO2 max', category: 'activity', unit: 'mL/kg/min', unitLabel: 'mL/kg/min', loinc: [], summary: 'stats', digits: 1 },
  { id: 'dietary-energy', label: 'Dietary energy', category: 'nutrition', unit: 'kcal', unitLabel: 'kcal', loinc: ['9052-2'], summary: 'sum', digits: 0 },
  { id: 'sleep', label: 'Sleep', category: 'sleep', unit: 'min', unitLabel: 'min', loinc: [], summary: 'sleep' },
  { id: 'mindful-minutes', label: 'Mindful minutes', category: 'other', unit: 'min', unitLabel: 'min', loinc: [], summary: 'sum', digits: 0 },
  { id: 'workout', label: 'Workouts', category: 'activity', unit: 'min', unitLabel: 'min', loinc: ['73985-4'], summary: 'workout' },
  { id: 'activity-summary', label: 'Activity rings', category: 'activity', unit: '1', unitLabel: '', loinc: [], summary: 'activity-summary' },
  { id: 'readiness', label: 'Readiness score', category: 'other', unit: '{score}', unitLabel: '', loinc: [], summary: 'stats', digits: 0 },
  { id: 'activity-score', label: 'Activity score', category: 'activity', unit: '{score}', unitLabel: '', loinc: [], summary: 'stats', digits: 0 },
  { id: 'sleep-score', label: 'Sleep score', category: 'sleep', unit: '{score}', unitLabel: '', loinc: [], summary: 'stats', digits: 0 },
];

const byId = new Map(defs.map((d) => [d.id, d]));

/** UCUM units of the mapping table that we store in a metric unit instead (one unit per quantity kind). */
const PREFERRED: Record<string, string> = { '[lb_av]': 'kg', '[in_i]': 'cm', in: 'cm', l: 'L' };

/** Metrics of the HealthKit mapping table we have no hand-written entry for: id → UCUM unit and LOINC codes. */
const mapped = new Map(Object.values(HK_QUANTITY_MAPPING).map(([id, unit, , loinc]) => [id, { unit: PREFERRED[unit] ?? unit, loinc: [...loinc] }]));

/** The UCUM unit and LOINC codes the mapping table gives a metric id, if it lists it. */
export function mappedMetric(id: string): { unit: string; loinc: string[] } | undefined {
  return mapped.get(id);
}

/** How a count annotation reads: `{steps}` → `steps`, `{wheelchair_pushes}` → `wheelchair pushes`. */
function unitLabelOf(unit: string): string {
  if (unit === '1') return '';
  const m = /^\{(.+)\}$/.exec(unit);
  return m ? m[1].replace(/_/g, ' ') : unit;
}

/**
 * The definition of a metric. Ids we have no entry for (other HealthKit types, made from their
 * identifier) read as a plain daily total (`dietary-*`), event count (`*-event`) or statistics.
 */
export function metricDef(id: string, unit = '1'): MetricDef {
  const known = byId.get(id);
  if (known) return known;
  const label = id.charAt(0).toUpperCase() + id.slice(1).replace(/-/g, ' ');
  const m = mapped.get(id);
  const u = m?.unit ?? unit;
  // Counted things (`{falls}`, `{strokes}`) and dietary intake add up over a day; the rest are readings.
  const summary: DailySummary = id.startsWith('dietary-') || /^\{.+\}$/.test(u) ? 'sum' : id.endsWith('-event') ? 'events' : 'stats';
  return { id, label, category: id.startsWith('dietary-') ? 'nutrition' : 'other', unit: u, unitLabel: unitLabelOf(u), loinc: m?.loinc ?? [], summary, digits: 1 };
}

/** LOINC codes of our metric table, for checking against the fixtures' mapping. */
export function allMetricDefs(): readonly MetricDef[] {
  return defs;
}
