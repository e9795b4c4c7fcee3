import { describe, expect, it } from 'vitest';
import { sensitivityOf } from './sensitivity.ts';

const conf = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
const withLabels = (...security: unknown[]) => ({ resourceType: 'Observation', meta: { security } });

describe('meta.security → sensitivity', () => {
  it('V is secret, R is private, N/L/M/U are normal', () => {
    expect(sensitivityOf(withLabels({ system: conf, code: 'V' }))).toBe('secret');
    expect(sensitivityOf(withLabels({ system: conf, code: 'R' }))).toBe('private');
    for (const code of ['N', 'L', 'M', 'U']) expect(sensitivityOf(withLabels({ system: conf, code }))).toBe('normal');
  });

  it('sensitive categories are secret whatever system carries them', () => {
    for (const code of ['HIV', 'ETH', 'PSY', 'SDV', 'STD', 'SUD', 'GDIS']) {
      expect(sensitivityOf(withLabels({ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code }))).toBe('secret');
      expect(sensitivityOf(withLabels({ code: code.toLowerCase() }))).toBe('secret');
    }
  });

  it('the strongest label wins', () => {
    expect(sensitivityOf(withLabels({ system: conf, code: 'R' }, { system: conf, code: 'V' }))).toBe('secret');
    expect(sensitivityOf(withLabels({ system: conf, code: 'N' }, { system: conf, code: 'R' }))).toBe('private');
  });

  it('single letters of another system are not read as confidentiality', () => {
    expect(sensitivityOf(withLabels({ system: 'http://example.org/other', code: 'V' }))).toBe('normal');
  });

  it('no or malformed labels are normal', () => {
    expect(sensitivityOf({ resourceType: 'Observation' })).toBe('normal');
    expect(sensitivityOf({ resourceType: 'Observation', meta: { security: 'V' } })).toBe('normal');
    expect(sensitivityOf(withLabels(null, 42, { code: 7 }))).toBe('normal');
  });
});
