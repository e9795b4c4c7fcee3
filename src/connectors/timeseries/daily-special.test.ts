import { describe, expect, it } from 'vitest';
import { buildDailyItem } from './daily.ts';
import type { Sample } from './sample.ts';

const at = (hhmm: string) => Date.parse(`2024-03-02T${hhmm}:00+01:00`);
const s = (metric: string, component: string | undefined, from: string, to: string, value: number | null, src = 'Watch'): Sample => ({
  metric, component, start: at(from), end: at(to), tz: '+01:00', day: '2024-03-02', value, unit: 'min', sourceName: src,
});

describe('daily texts with structure', () => {
  it('sleep counts overlapping stretches once and uses one source per night', () => {
    const item = buildDailyItem('apple-health', 'sleep', '2024-03-02', [
      s('sleep', 'core', '00:00', '03:00', 180), s('sleep', 'core', '01:00', '03:00', 120), // duplicate stretch
      s('sleep', 'deep', '03:00', '04:00', 60), s('sleep', 'rem', '04:00', '05:00', 60), s('sleep', 'awake', '05:00', '05:10', 10),
      s('sleep', 'in-bed', '23:50', '23:59', 9, 'iPhone'),
    ]);
    expect(item.text).toBe('Sleep ending 2024-03-02: asleep 5 h (core 3 h, deep 1 h, REM 1 h), awake 10 min, from 00:00 to 05:10 (Watch).');
    expect(item.sourceId).toBe('sleep:2024-03-02');
    expect(item.effectiveAt).toBe('2024-03-02T00:00:00+01:00');
  });
  it('blood pressure pairs systolic and diastolic readings', () => {
    const item = buildDailyItem('apple-health', 'blood-pressure', '2024-03-02', [
      { ...s('blood-pressure', 'systolic', '08:00', '08:00', 121, 'Omron'), unit: 'mm[Hg]' },
      { ...s('blood-pressure', 'diastolic', '08:00', '08:00', 79, 'Omron'), unit: 'mm[Hg]' },
    ]);
    expect(item.text).toBe('Blood pressure on 2024-03-02: 121/79 mmHg at 08:00 (Omron). Systolic LOINC 8480-6, diastolic LOINC 8462-4. LOINC 85354-9, LOINC 8480-6, LOINC 8462-4.');
    expect(item.categories).toEqual(['vital-signs']);
  });
});
