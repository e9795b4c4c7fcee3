import { describe, expect, it } from 'vitest';
import { toUcum } from './units.ts';

describe('toUcum', () => {
  it('converts pounds, miles, Fahrenheit, glucose and fractions of percent', () => {
    expect(toUcum(150, 'lb', 'kg').value).toBeCloseTo(68.04, 2);
    expect(toUcum(0.4971749504535062, 'mi', 'm').value).toBeCloseTo(800.1, 1);
    expect(toUcum(98.6, 'degF', 'Cel')).toEqual({ value: 37, unit: 'Cel' });
    expect(toUcum(5.5, 'mmol<180.1558900000001>/L', 'mg/dL')).toEqual({ value: 99.1, unit: 'mg/dL' });
    expect(toUcum(0.97, '%', '%')).toEqual({ value: 97, unit: '%' });
    expect(toUcum(72, 'count/min', '/min')).toEqual({ value: 72, unit: '/min' });
  });
  it('keeps the value and says the real unit when it cannot convert', () => {
    expect(toUcum(3, 'furlong', 'm')).toEqual({ value: 3, unit: 'furlong' });
  });
});
