/** HealthKit identifiers → our metric ids (and component within the metric). */

const Q = 'HKQuantityTypeIdentifier';
const C = 'HKCategoryTypeIdentifier';

export const QUANTITY: Record<string, { metric: string; component?: string }> = {
  [`${Q}HeartRate`]: { metric: 'heart-rate' },
  [`${Q}RestingHeartRate`]: { metric: 'heart-rate', component: 'resting' },
  [`${Q}WalkingHeartRateAverage`]: { metric: 'heart-rate', component: 'walking-average' },
  [`${Q}HeartRateVariabilitySDNN`]: { metric: 'hrv' },
  [`${Q}StepCount`]: { metric: 'steps' },
  [`${Q}DistanceWalkingRunning`]: { metric: 'distance-walking-running' },
  [`${Q}DistanceCycling`]: { metric: 'distance-cycling' },
  [`${Q}ActiveEnergyBurned`]: { metric: 'active-energy' },
  [`${Q}BasalEnergyBurned`]: { metric: 'basal-energy' },
  [`${Q}FlightsClimbed`]: { metric: 'flights-climbed' },
  [`${Q}AppleExerciseTime`]: { metric: 'exercise-time' },
  [`${Q}AppleStandTime`]: { metric: 'stand-time' },
  [`${Q}BodyMass`]: { metric: 'body-weight' },
  [`${Q}BodyMassIndex`]: { metric: 'bmi' },
  [`${Q}Height`]: { metric: 'height' },
  [`${Q}BodyFatPercentage`]: { metric: 'body-fat' },
  [`${Q}OxygenSaturation`]: { metric: 'spo2' },
  [`${Q}RespiratoryRate`]: { metric: 'respiratory-rate' },
  [`${Q}BodyTemperature`]: { metric: 'body-temperature' },
  [`${Q}BloodPressureSystolic`]: { metric: 'blood-pressure', component: 'systolic' },
  [`${Q}BloodPressureDiastolic`]: { metric: 'blood-pressure', component: 'diastolic' },
  [`${Q}BloodGlucose`]: { metric: 'blood-glucose' },
  [`${Q}VO2Max`]: { metric: 'vo2max' },
  [`${Q}DietaryEnergyConsumed`]: { metric: 'dietary-energy' },
};

export const SLEEP_TYPE = `${C}SleepAnalysis`;
export const MINDFUL_TYPE = `${C}MindfulSession`;

export const SLEEP_STAGE: Record<string, string> = {
  HKCategoryValueSleepAnalysisInBed: 'in-bed',
  HKCategoryValueSleepAnalysisAsleep: 'asleep',
  HKCategoryValueSleepAnalysisAsleepUnspecified: 'asleep',
  HKCategoryValueSleepAnalysisAsleepCore: 'core',
  HKCategoryValueSleepAnalysisAsleepDeep: 'deep',
  HKCategoryValueSleepAnalysisAsleepREM: 'rem',
  HKCategoryValueSleepAnalysisAwake: 'awake',
};

/** `HKQuantityTypeIdentifierDietaryProtein` → `dietary-protein`. */
export function slugOf(identifier: string): string {
  const raw = identifier.replace(/^HK(Quantity|Category|Correlation)TypeIdentifier/, '').replace(/^HKDataType/, '');
  return raw
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '') || 'unknown';
}

/** `<<HKDevice: 0x…>, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,7, …>` → `Apple Watch (Watch6,7)`. */
const deviceCache = new Map<string, string | null>();

export function deviceName(device: string | undefined): string | null {
  if (!device) return null;
  // The same few device strings repeat on millions of records.
  const hit = deviceCache.get(device);
  if (hit !== undefined) return hit;
  const name = readDevice(device);
  if (deviceCache.size > 2000) deviceCache.clear();
  deviceCache.set(device, name);
  return name;
}

function readDevice(device: string): string | null {
  const name = /name:([^,>]+)/.exec(device)?.[1]?.trim();
  const hw = /hardware:([^,>]+(?:,\d+)?)/.exec(device)?.[1]?.trim();
  if (!name) return null;
  return hw ? `${name} (${hw})` : name;
}
