import { describe, expect, it } from 'vitest';
import { parseExportNumber, parseExportTime } from './dates.ts';

describe('export dates and numbers', () => {
  it('keeps the offset and the local day', () => {
    const t = parseExportTime('2018-09-10 02:47:35 -0700')!;
    expect(new Date(t.ms).toISOString()).toBe('2018-09-10T09:47:35.000Z');
    expect(t.tz).toBe('-07:00');
    expect(t.day).toBe('2018-09-10');
  });
  it('reads the other forms the same way as the common one', () => {
    const common = parseExportTime('2024-01-01 01:01:36 +0200')!;
    expect(parseExportTime('2024-01-01T01:01:36+02:00')).toEqual(common);
    expect(parseExportTime('2024-01-01 01:01:36.000 +0200')).toEqual(common);
    expect(common).toEqual({ ms: Date.parse('2023-12-31T23:01:36Z'), tz: '+02:00', day: '2024-01-01' });
    expect(parseExportTime('2024-13-01 01:01:36 +0200')).toBeNull();
  });
  it('refuses what is not a date and reads decimal commas', () => {
    expect(parseExportTime('yesterday')).toBeNull();
    expect(parseExportNumber('0,97')).toBe(0.97);
    expect(parseExportNumber('72')).toBe(72);
    expect(parseExportNumber('n/a')).toBeNull();
  });
});
