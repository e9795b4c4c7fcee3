import { describe, expect, it } from 'vitest';
import { parseTimeFilter } from './time-filter.ts';

const now = new Date('2026-11-22T15:00:00Z'); // a Sunday
const iso = (d?: Date) => d?.toISOString().slice(0, 10);

describe('parseTimeFilter', () => {
  it.each([
    ['What was my blood pressure last month?', '2026-10-01', '2026-11-01', 'What was my blood pressure ?'],
    ['glucose since March', '2026-03-01', undefined, 'glucose'],
    ['glucose since December', '2025-12-01', undefined, 'glucose'],
    ['weight in 2023', '2023-01-01', '2024-01-01', 'weight'],
    ['labs in March 2024', '2024-03-01', '2024-04-01', 'labs'],
    ['steps in the last 3 weeks', '2026-11-01', undefined, 'steps'],
    ['sleep over the past two months', '2026-09-22', undefined, 'sleep'],
    ['steps the past week', '2026-11-15', undefined, 'steps'],
    ['weight in the past month', '2026-10-22', undefined, 'weight'],
    ['blood pressure 3 months ago', '2026-08-01', '2026-09-01', 'blood pressure'],
    ['heart rate a week ago', '2026-11-09', '2026-11-16', 'heart rate'],
    ['labs between 2021 and 2023', '2021-01-01', '2024-01-01', 'labs'],
    ['labs between March 2024 and 2024-05-10', '2024-03-01', '2024-05-11', 'labs'],
    ['what happened on 2024-03-05', '2024-03-05', '2024-03-06', 'what happened'],
    ['readings 2024-03-05', '2024-03-05', '2024-03-06', 'readings'],
    ['allergies last summer', '2026-06-01', '2026-09-01', 'allergies'],
    ['coughs last winter', '2025-12-01', '2026-03-01', 'coughs'],
    ['hay fever in the summer of 2023', '2023-06-01', '2023-09-01', 'hay fever'],
    ['visits in the last year', '2025-11-22', undefined, 'visits'],
    ['weight in 2023 and 2024', '2023-01-01', '2025-01-01', 'weight'],
    ['glucose since January 5th', '2026-01-05', undefined, 'glucose'],
    ['glucose since December 5', '2025-12-05', undefined, 'glucose'],
    ['heart rate yesterday', '2026-11-21', '2026-11-22', 'heart rate'],
    ['visits last year', '2025-01-01', '2026-01-01', 'visits'],
    ['workouts last week', '2026-11-09', '2026-11-16', 'workouts'],
    ['a1c since 2024-02-10', '2024-02-10', undefined, 'a1c'],
  ])('%s', (q, from, to, rest) => {
    const f = parseTimeFilter(q, now);
    expect(iso(f.from)).toBe(from);
    expect(iso(f.to)).toBe(to);
    expect(f.rest).toBe(rest);
  });

  it('leaves a question without a time phrase alone', () => {
    expect(parseTimeFilter('Do I have any allergies?', now)).toEqual({ rest: 'Do I have any allergies?' });
  });

  it('a "last summer" asked during summer is the year before', () => {
    expect(iso(parseTimeFilter('last summer', new Date('2026-07-10T00:00:00Z')).from)).toBe('2025-06-01');
  });

  it('leaves "past medical history" and plural units without a number alone', () => {
    expect(parseTimeFilter('my past medical history', now).from).toBeUndefined();
    expect(parseTimeFilter('changes over the past years', now).from).toBeUndefined();
  });

  it('does not read a month name inside another word or a bare "may" as a date', () => {
    expect(parseTimeFilter('May I take ibuprofen with my statin?', now).from).toBeUndefined();
    expect(parseTimeFilter('results of the marching band injury', now).from).toBeUndefined();
  });
});
