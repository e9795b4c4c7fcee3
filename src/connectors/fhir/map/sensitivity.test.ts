import { describe, expect, it } from 'vitest';
import { sensitivityOf, strongest } from './sensitivity.ts';

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

  it('reads R and V under the older and OID names of the confidentiality system', () => {
    for (const system of ['http://hl7.org/fhir/v3/Confidentiality', 'urn:oid:2.16.840.1.113883.5.25']) {
      expect(sensitivityOf(withLabels({ system, code: 'V' }))).toBe('secret');
      expect(sensitivityOf(withLabels({ system, code: 'R' }))).toBe('private');
      expect(sensitivityOf(withLabels({ system, code: 'N' }))).toBe('normal');
    }
  });

  it('knows the whole list of v3 sensitive-information categories', () => {
    for (const code of ['ETHUD', 'OPIOIDUD', 'MH', 'BH', 'PSYTHPN', 'SEX', 'DVD', 'MST', 'SCA', 'SPI', 'TBOO', 'COGN', 'EMOTDIS', 'PRS']) {
      expect(sensitivityOf(withLabels({ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code })), code).toBe('secret');
    }
    for (const code of ['CEL', 'EMP', 'ADOL']) expect(sensitivityOf(withLabels({ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code })), code).toBe('private');
  });

  it('reads DocumentReference.securityLabel and Composition.confidentiality', () => {
    expect(sensitivityOf({ resourceType: 'DocumentReference', securityLabel: [{ coding: [{ system: conf, code: 'V' }] }] })).toBe('secret');
    expect(sensitivityOf({ resourceType: 'Composition', confidentiality: 'R' })).toBe('private');
  });

  it('strongest picks the highest', () => {
    expect(strongest('normal', 'private', undefined)).toBe('private');
    expect(strongest('secret', 'normal')).toBe('secret');
    expect(strongest()).toBe('normal');
  });
});
