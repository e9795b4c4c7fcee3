import { describe, expect, it } from 'vitest';
import { describeRule, explain, groupDisclosures } from './describe.ts';
import type { Disclosure, EffectivePermission } from './types.ts';

const rule = { source: null, kind: null, category: null, tag: null, shareWithAi: true, expiresAt: null };

describe('describeRule', () => {
  it('reads like the sentence a person would say', () => {
    expect(describeRule({ ...rule, category: 'vital-signs', source: 'epic' })).toBe('Share all vital signs from Epic with the AI');
    expect(describeRule({ ...rule, kind: 'fhir.MedicationRequest', shareWithAi: false })).toBe('Never share all medication request records with the AI');
    expect(describeRule({ ...rule, tag: 'sleep', source: 'user' })).toBe('Share all records tagged “sleep” that you added yourself with the AI');
  });

  it('names the end date of an expiring rule', () => {
    const s = describeRule({ ...rule, source: 'apple-health', expiresAt: '2027-05-03T12:00:00.000Z' });
    expect(s).toMatch(/^Share all records from Apple Health with the AI until .*2027$/);
  });
});

describe('explain', () => {
  const eff = (p: Partial<EffectivePermission>): EffectivePermission => ({ shareWithAi: false, shareWithCloud: false, expiresAt: null, via: 'default', ruleId: null, ...p });
  it('says why the AI may or may not read a record', () => {
    expect(explain({ sensitivity: 'normal', effectivePermission: eff({}) })).toContain('nothing is shared unless you say so');
    expect(explain({ sensitivity: 'normal', effectivePermission: eff({ shareWithAi: true, via: 'rule' }) })).toContain('because of one of your sharing rules');
    expect(explain({ sensitivity: 'normal', effectivePermission: eff({ shareWithAi: true, via: 'item' }) })).toContain('because you shared it');
    expect(explain({ sensitivity: 'normal', effectivePermission: eff({ via: 'item' }) })).toContain('you chose not to share it');
  });

  it('never calls a secret record shared, whatever the permission says', () => {
    expect(explain({ sensitivity: 'secret', effectivePermission: eff({ shareWithAi: true, via: 'item' }) })).toMatch(/^Secret records are never shared/);
  });
});

describe('groupDisclosures', () => {
  const d = (id: string, conversationId: string | null, createdAt: string, itemIds: string[], purpose = 'chat'): Disclosure => ({ id, conversationId, model: 'm', purpose, itemIds, createdAt });

  it('groups by conversation, newest first, with each record once', () => {
    const groups = groupDisclosures([
      d('1', 'a', '2026-01-01T10:00:00Z', ['x', 'y']),
      d('2', 'b', '2026-01-02T10:00:00Z', ['z']),
      d('3', 'a', '2026-01-03T10:00:00Z', ['y', 'w']),
      d('4', null, '2026-01-01T00:00:00Z', ['x'], 'embedding'),
    ]);
    expect(groups.map((g) => g.conversationId)).toEqual(['a', 'b', null]);
    expect(groups[0].itemIds).toEqual(['x', 'y', 'w']);
    expect(groups[0].disclosures).toHaveLength(2);
    expect(groups[0].latest).toBe('2026-01-03T10:00:00Z');
  });
});
