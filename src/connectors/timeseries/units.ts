/**
 * Unit normalization to UCUM. Apple Health writes HealthKit unit strings (`count/min`, `lb`,
 * `degF`, `mmol<180.1558900000001>/L`, percentages as fractions); everything is converted to
 * one UCUM unit per metric so days from different devices and exports compare.
 */

const LINEAR: Record<string, Record<string, number>> = {
  kg: { kg: 1, g: 0.001, lb: 0.45359237, oz: 0.028349523125, st: 6.35029318 },
  m: { m: 1, km: 1000, cm: 0.01, mm: 0.001, mi: 1609.344, ft: 0.3048, in: 0.0254, yd: 0.9144 },
  cm: { cm: 1, m: 100, mm: 0.1, in: 2.54, ft: 30.48 },
  kcal: { kcal: 1, Cal: 1, cal: 0.001, kJ: 0.239005736, J: 0.000239005736 },
  min: { min: 1, s: 1 / 60, hr: 60, h: 60, ms: 1 / 60000 },
  ms: { ms: 1, s: 1000 },
  g: { g: 1, mg: 0.001, mcg: 0.000001, kg: 1000 },
  mg: { mg: 1, g: 1000, mcg: 0.001 },
  ug: { mcg: 1, mg: 1000, g: 1_000_000 },
  mL: { mL: 1, L: 1000, l: 1000, fl_oz_us: 29.5735295625 },
  L: { L: 1, l: 1, mL: 0.001, dL: 0.1 },
  'km/h': { 'km/hr': 1, 'm/s': 3.6, 'mi/hr': 1.609344 },
  'm/s': { 'm/s': 1, 'km/hr': 1 / 3.6, 'mi/hr': 0.44704 },
};

/** HealthKit spellings that are already a UCUM unit under another name. */
const SYNONYM: Record<string, string> = {
  'count/min': '/min',
  count: '1',
  mmHg: 'mm[Hg]',
  degC: 'Cel',
  'mL/kg*min': 'mL/kg/min',
  'mL/(kg*min)': 'mL/kg/min',
  'kcal/hr*kg': 'kcal/h/kg',
  dBASPL: 'dB(SPL)',
  dBHL: 'dB(HL)',
  'km/hr': 'km/h',
  'count/s': '/s',
  mcg: 'ug',
};

/** Dimensionless targets a HealthKit `count` is stored in: `1`, a count annotation (`{steps}`) or a ratio like BMI's kg/m2. */
const isCountTarget = (to: string) => to === '1' || /^\{.+\}$/.test(to) || to === 'kg/m2';

/**
 * Converts `value` in HealthKit unit `from` to the UCUM unit `to`. Unknown pairs keep the
 * value with the source unit mapped through SYNONYM (never a silent wrong conversion).
 */
export function toUcum(value: number, from: string | undefined, to: string): { value: number; unit: string } {
  const src = (from ?? '').trim();
  if (!src) return { value, unit: to };
  // HealthKit writes percentages as fractions (0.97 for 97 %).
  if (to === '%' && src === '%') return { value: value <= 1 ? value * 100 : value, unit: '%' };
  // Kept in its own unit (a type we have no target for): still spelled the UCUM way.
  if (src === to) return { value, unit: SYNONYM[src] ?? to };
  if (SYNONYM[src] === to) return { value, unit: to };
  // HealthKit writes counted things (steps, flights, falls) and BMI in its unit `count`.
  if (src === 'count' && isCountTarget(to)) return { value, unit: to };
  if (to === 'Cel' && src === 'degF') return { value: round((value - 32) * (5 / 9), 2), unit: 'Cel' };
  if (to === 'mg/dL' && /^mmol<[\d.]+>\/L$/.test(src)) return { value: round(value * 18.0156, 1), unit: 'mg/dL' };
  const table = LINEAR[to];
  const f = table?.[src];
  if (f !== undefined) return { value: value * f, unit: to };
  return { value, unit: SYNONYM[src] ?? src };
}

export function round(v: number, digits = 1): number {
  const p = 10 ** digits;
  return Math.round(v * p) / p;
}
