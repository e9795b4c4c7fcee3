import type { MetricDef } from './metrics.ts';
import { localTime, type Sample } from './sample.ts';
import { fmt, fmtMinutes, listSources } from './format.ts';
import type { DayText } from './daily.ts';

/** Daily texts of metrics with structure: blood pressure pairs, sleep stages, workouts, rings. */

export function bloodPressureText(def: MetricDef, day: string, samples: Sample[]): DayText {
  const byTime = new Map<string, { sys?: number; dia?: number; s: Sample }>();
  for (const s of samples) {
    const k = `${s.start}|${s.sourceName}`;
    const e = byTime.get(k) ?? { s };
    if (s.component === 'systolic') e.sys = s.value ?? undefined;
    if (s.component === 'diastolic') e.dia = s.value ?? undefined;
    byTime.set(k, e);
  }
  const readings = [...byTime.values()].sort((a, b) => a.s.start - b.s.start);
  const shown = readings
    .slice(0, 12)
    .map((r) => `${r.sys !== undefined ? fmt(r.sys, 0) : '?'}/${r.dia !== undefined ? fmt(r.dia, 0) : '?'} ${def.unitLabel} at ${localTime(r.s.start, r.s.tz)}`);
  const more = readings.length > 12 ? ` and ${readings.length - 12} more` : '';
  return {
    text: `${def.label} on ${day}: ${shown.join(', ')}${more} (${listSources(samples.map((s) => s.sourceName))}). Systolic LOINC 8480-6, diastolic LOINC 8462-4.`,
    figures: { readings: readings.map((r) => ({ at: r.s.start, systolic: r.sys ?? null, diastolic: r.dia ?? null })) },
  };
}

const STAGE_LABEL: Record<string, string> = { core: 'core', deep: 'deep', rem: 'REM', asleep: 'unspecified' };

/**
 * A night is counted on the day it ends. Several apps often track the same night, so only the
 * source with the most time asleep (or in bed, when none records stages) is used.
 */
export function sleepText(def: MetricDef, day: string, samples: Sample[]): DayText {
  const bySource = new Map<string, Sample[]>();
  for (const s of samples) bySource.set(s.sourceName, [...(bySource.get(s.sourceName) ?? []), s]);
  // Apps often write the same stretch twice: time is the union of intervals, never their sum.
  const minutes = (list: Sample[], pred: (c: string) => boolean) => unionMinutes(list.filter((s) => pred(s.component ?? '')));
  const isAsleep = (c: string) => c === 'asleep' || c === 'core' || c === 'deep' || c === 'rem';
  let best: Sample[] = [];
  let bestScore = -1;
  for (const list of bySource.values()) {
    const score = minutes(list, isAsleep) * 10 + minutes(list, (c) => c === 'in-bed');
    if (score > bestScore) (best = list), (bestScore = score);
  }
  const asleep = minutes(best, isAsleep);
  const inBed = minutes(best, (c) => c === 'in-bed');
  const awake = minutes(best, (c) => c === 'awake');
  const stages = ['core', 'deep', 'rem', 'asleep']
    .map((st) => [st, minutes(best, (c) => c === st)] as const)
    .filter(([, m]) => m > 0);
  const first = best.reduce((a, s) => (s.start < a.start ? s : a), best[0]);
  const last = best.reduce((a, s) => (s.end > a.end ? s : a), best[0]);
  const parts: string[] = [];
  if (asleep) parts.push(`asleep ${fmtMinutes(asleep)}${stages.length > 1 || (stages.length === 1 && stages[0][0] !== 'asleep') ? ` (${stages.map(([st, m]) => `${STAGE_LABEL[st]} ${fmtMinutes(m)}`).join(', ')})` : ''}`);
  if (awake) parts.push(`awake ${fmtMinutes(awake)}`);
  if (inBed) parts.push(`in bed ${fmtMinutes(inBed)}`);
  const span = first && last ? `, from ${localTime(first.start, first.tz)} to ${localTime(last.end, last.tz)}` : '';
  return {
    text: `${def.label} ending ${day}: ${parts.join(', ') || 'no sleep recorded'}${span} (${listSources(best.map((s) => s.sourceName))}).`,
    figures: { asleepMinutes: asleep, inBedMinutes: inBed, awakeMinutes: awake, stages: Object.fromEntries(stages), source: best[0]?.sourceName ?? null },
  };
}

export function workoutText(def: MetricDef, day: string, samples: Sample[]): DayText {
  const lines = samples.map((s) => {
    const d = (s.detail ?? {}) as { activity?: string; distanceM?: number; energyKcal?: number; statistics?: { label: string; text: string }[] };
    const bits = [`${fmt(s.value ?? (s.end - s.start) / 60_000, 1)} min`];
    if (d.distanceM) bits.push(`${fmt(d.distanceM / 1000, 2)} km`);
    if (d.energyKcal) bits.push(`${fmt(d.energyKcal, 0)} kcal`);
    for (const st of d.statistics ?? []) bits.push(`${st.label} ${st.text}`);
    return `${d.activity ?? 'Workout'} ${localTime(s.start, s.tz)}–${localTime(s.end, s.tz)} (${s.tz}), ${bits.join(', ')} (${s.sourceName})`;
  });
  return { text: `${def.label} on ${day}: ${lines.join('; ')}.`, figures: { workouts: samples.length, minutes: samples.reduce((a, s) => a + (s.value ?? 0), 0) } };
}

export function activitySummaryText(def: MetricDef, day: string, samples: Sample[]): DayText {
  const d = (samples[samples.length - 1]?.detail ?? {}) as Record<string, number | undefined>;
  const ring = (label: string, v?: number, goal?: number, unit = '') =>
    v === undefined ? null : `${label} ${fmt(v, 1)}${goal !== undefined ? ` of ${fmt(goal, 1)}` : ''}${unit ? ` ${unit}` : ''}`;
  const parts = [
    ring('move', d.activeEnergyBurned, d.activeEnergyBurnedGoal, 'kcal'),
    ring('exercise', d.appleExerciseTime, d.appleExerciseTimeGoal, 'min'),
    ring('stand', d.appleStandHours, d.appleStandHoursGoal, 'h'),
  ].filter(Boolean);
  return { text: `${def.label} on ${day}: ${parts.join(', ') || 'no rings recorded'}.`, figures: { ...d } };
}

/** Length of the union of the samples' time intervals, in minutes. */
export function unionMinutes(samples: Sample[]): number {
  const sorted = [...samples].sort((a, b) => a.start - b.start);
  let total = 0;
  let curStart = -Infinity;
  let curEnd = -Infinity;
  for (const s of sorted) {
    if (s.start > curEnd) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = s.start;
      curEnd = s.end;
    } else if (s.end > curEnd) curEnd = s.end;
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total / 60_000;
}
