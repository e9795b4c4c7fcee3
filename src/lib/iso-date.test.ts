import { describe, expect, it } from 'vitest';
import { isStrictIsoDate } from './iso-date.ts';

describe('isStrictIsoDate', () => {
  it.each(['2024-02-29', '2000-02-29', '2024-03-02T10:00', '2024-03-02T10:00:05Z', '2024-03-02T10:00:05.123+02:00', '0001-01-01', '9999-12-31T23:59:59Z', '2024-12-31T23:59:59.999-05:00'])(
    'accepts %s',
    (s) => expect(isStrictIsoDate(s)).toBe(true),
  );
  it.each([
    '2024-02-30', // Date.parse makes it March 1
    '2023-02-29',
    '1900-02-29',
    '2024-04-31',
    '2024-13-01',
    '2024-00-10',
    '2024-01-00',
    '0000-01-01', // year 0
    '+010000-01-01T00:00:00Z', // expanded year
    '-000001-01-01',
    '2024-01-01T24:00:00Z',
    '2024-01-01T10:60',
    '2024-01-01T10:00:61Z',
    '2024-01-01T10:00+15:00',
    '2024-1-1',
    'yesterday',
    '',
    '2024-01-01junk',
  ])('refuses %s', (s) => expect(isStrictIsoDate(s)).toBe(false));
});
