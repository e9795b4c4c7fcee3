import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { QUANTITY } from '../apple-health/hk-types.ts';
import { allMetricDefs, metricDef } from './metrics.ts';

const mapping = JSON.parse(
  readFileSync(new URL('../../../../shared/fixtures/wearables/apple-health/healthkit-to-loinc-mapping.json', import.meta.url), 'utf8'),
) as { HKQuantitySamples: Record<string, { codings: { system: string; code: string }[] }> };

describe('metric table', () => {
  it('carries the LOINC code of every mapped HealthKit quantity type that has one', () => {
    for (const [hk, { metric, component }] of Object.entries(QUANTITY)) {
      const loinc = (mapping.HKQuantitySamples[hk]?.codings ?? []).filter((c) => c.system === 'http://loinc.org').map((c) => c.code);
      if (!loinc.length) continue;
      // Components (resting heart rate) name their code in the text; the metric lists the rest.
      if (component === 'resting') expect(loinc).toEqual(['40443-4']);
      else expect(metricDef(metric).loinc, hk).toEqual(expect.arrayContaining(loinc));
    }
  });
  it('has unique ids', () => {
    const ids = allMetricDefs().map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
