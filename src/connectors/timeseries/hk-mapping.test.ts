import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { slugOf } from '../apple-health/hk-types.ts';
import { HK_CATEGORY_MAPPING, HK_QUANTITY_MAPPING } from './hk-mapping.ts';
import { mappedMetric, metricDef } from './metrics.ts';
import { toUcum } from './units.ts';

type Entry = { codings: { system: string; code: string }[]; unit?: { code?: string; hkunit?: string; unit?: string } };
const table = JSON.parse(readFileSync(new URL('../../../../shared/fixtures/wearables/apple-health/healthkit-to-loinc-mapping.json', import.meta.url), 'utf8')) as {
  HKQuantitySamples: Record<string, Entry>;
  HKCategorySamples: Record<string, Entry>;
};
const loincOf = (e: Entry) => e.codings.filter((c) => c.system === 'http://loinc.org').map((c) => c.code);

describe('HealthKit mapping (generated from the fixtures table)', () => {
  it('lists every quantity type of the table with its LOINC codes and UCUM unit', () => {
    const keys = Object.keys(table.HKQuantitySamples);
    expect(Object.keys(HK_QUANTITY_MAPPING).map((k) => `HKQuantityTypeIdentifier${k}`).sort()).toEqual(keys.sort());
    for (const hk of keys) {
      const [slug, unit, hkunit, loinc] = HK_QUANTITY_MAPPING[hk.slice('HKQuantityTypeIdentifier'.length)];
      const e = table.HKQuantitySamples[hk];
      expect(slug, hk).toBe(slugOf(hk));
      expect([...loinc], hk).toEqual(loincOf(e));
      expect(hkunit, hk).toBe(e.unit?.hkunit);
      if (e.unit?.code) expect(unit, hk).toBe(e.unit.code);
      else expect(unit, hk).toMatch(/^\{\w+\}$/);
    }
    expect(Object.keys(HK_CATEGORY_MAPPING).length).toBe(Object.keys(table.HKCategorySamples).length);
  });

  it('every metric of the table reads with its LOINC codes and a UCUM unit, ours or the table\'s', () => {
    for (const [slug, , , loinc] of Object.values(HK_QUANTITY_MAPPING)) {
      expect(mappedMetric(slug)).toBeDefined();
      if (loinc.length && !['step-count', 'heart-rate', 'resting-heart-rate'].includes(slug)) expect(metricDef(slug).loinc, slug).toEqual(expect.arrayContaining([...loinc]));
    }
    expect(metricDef('time-in-daylight')).toMatchObject({ unit: 'min', summary: 'stats' });
    expect(metricDef('number-of-times-fallen')).toMatchObject({ unit: '{falls}', unitLabel: 'falls', summary: 'sum' });
    expect(metricDef('apple-sleeping-wrist-temperature')).toMatchObject({ unit: 'Cel' });
    expect(metricDef('lean-body-mass')).toMatchObject({ unit: 'kg', loinc: ['91557-9'] });
    expect(metricDef('forced-vital-capacity')).toMatchObject({ unit: 'L', loinc: ['19870-5'] });
  });

  it('stores HealthKit counts as UCUM counts, not `1`', () => {
    expect(toUcum(1234, 'count', '{steps}')).toEqual({ value: 1234, unit: '{steps}' });
    expect(toUcum(23.4, 'count', 'kg/m2')).toEqual({ value: 23.4, unit: 'kg/m2' });
    expect(toUcum(3, 'count', '{flights}')).toEqual({ value: 3, unit: '{flights}' });
    expect(toUcum(3, 'count', 'kg')).toEqual({ value: 3, unit: '1' });
    expect(metricDef('steps').unit).toBe('{steps}');
    expect(metricDef('flights-climbed').unit).toBe('{flights}');
    expect(metricDef('stand-hours').unit).toBe('{hours}');
  });
});
