import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { hybridSearch, readableOfKinds } from '../../../src/db/retrieval.ts';
import { blindTsquery } from '../../../src/vault/blind-index.ts';
import { KeyService } from '../../../src/vault/keys.ts';
import { loadMasterKeyring } from '../../../src/vault/master-key.ts';
import { referencePermission, type RefItem, type RefRule } from './permission-reference.ts';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime();
});
afterAll(() => rt?.destroy());

const DAY = 86_400_000;
const kinds = ['fhir.Observation', 'fhir.Condition', 'note', 'wearable.daily'];
const sources = ['epic', 'apple-health', 'user', 'fhir-bundle', 'fhir-bundle:example.org/fhir'];
const categories = ['vital-signs', 'laboratory', 'sleep'];
const tags = ['family', 'cardio', 'work'];
const expiry = fc.constantFrom<'none' | 'past' | 'future'>('none', 'past', 'future');
const toDate = (e: 'none' | 'past' | 'future') => (e === 'none' ? null : new Date(Date.now() + (e === 'past' ? -DAY : DAY)));

const itemArb = fc.record({
  kind: fc.constantFrom(...kinds),
  source: fc.constantFrom(...sources),
  categories: fc.subarray(categories, { maxLength: 2 }),
  tags: fc.subarray(tags, { maxLength: 2 }),
  sensitivity: fc.constantFrom<'normal' | 'private' | 'secret'>('normal', 'normal', 'private', 'secret'),
  shareWithAi: fc.constantFrom<boolean | null>(null, null, true, false),
  expiry,
});
const ruleArb = fc
  .record({
    source: fc.option(fc.constantFrom(...sources), { nil: undefined, freq: 2 }),
    kind: fc.option(fc.constantFrom(...kinds, 'fhir.*'), { nil: undefined, freq: 2 }),
    category: fc.option(fc.constantFrom(...categories), { nil: undefined, freq: 2 }),
    tag: fc.option(fc.constantFrom(...tags), { nil: undefined, freq: 2 }),
    shareWithAi: fc.boolean(),
    priority: fc.integer({ min: 0, max: 1 }),
    expiry,
  })
  .filter((r) => !!(r.source || r.kind || r.category || r.tag));

describe('effective permission (SQL item_permission) against the reference implementation', () => {
  it('agrees on random items × rules × expiry × sensitivity, in listing and in the AI filter', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(itemArb, { minLength: 1, maxLength: 25 }), fc.array(ruleArb, { minLength: 1, maxLength: 8 }), async (items, rules) => {
        const u = await rt.signup();
        for (const r of rules) {
          const res = await rt.api('POST', '/api/vault/rules', {
            token: u.token,
            body: { source: r.source, kind: r.kind, category: r.category, tag: r.tag, shareWithAi: r.shareWithAi, priority: r.priority, expiresAt: toDate(r.expiry)?.toISOString() ?? null },
          });
          expect(res.status).toBe(201);
        }
        const refItems = new Map<string, RefItem>();
        for (const it of items) {
          const expiresAt = toDate(it.expiry);
          const res = await rt.api('POST', '/api/vault/items', {
            token: u.token,
            body: {
              kind: it.kind,
              source: it.source,
              title: 'x',
              categories: it.categories,
              tags: it.tags,
              sensitivity: it.sensitivity,
              permissions: { shareWithAi: it.shareWithAi, expiresAt: expiresAt?.toISOString() ?? null },
            },
          });
          expect(res.status).toBe(201);
          refItems.set(res.body.id, { ...it, expiresAt });
        }
        const dbRules = await rt.deps.db.selectFrom('sharing_rules').selectAll().where('user_id', '=', u.userId).execute();
        const refRules: RefRule[] = dbRules.map((r) => ({
          id: r.id,
          source: r.source,
          kind: r.kind,
          category: r.category,
          tag: r.tag,
          shareWithAi: r.share_with_ai,
          priority: r.priority,
          expiresAt: r.expires_at ? new Date(r.expires_at) : null,
          createdAt: new Date(r.created_at),
        }));
        const now = new Date();
        const listed = await rt.api('GET', '/api/vault/items?limit=500', { token: u.token });
        expect(listed.body.items).toHaveLength(items.length);
        const expectedShared = new Set<string>();
        for (const got of listed.body.items) {
          const want = referencePermission(refItems.get(got.id)!, refRules, now);
          expect({ id: got.id, ...pick(got.effectivePermission) }).toEqual({ id: got.id, ...want });
          if (want.shareWithAi) expectedShared.add(got.id);
        }
        const aiOnly = await rt.api('GET', '/api/vault/items?limit=500&shared=ai', { token: u.token });
        expect(new Set(aiOnly.body.items.map((i: any) => i.id))).toEqual(expectedShared);
        // Search combined with the permission filter takes another query path; it must agree too.
        const searched = await rt.api('GET', '/api/vault/items?limit=500&shared=ai&q=x', { token: u.token });
        const expectedSearchable = new Set([...expectedShared].filter((id) => refItems.get(id)!.sensitivity !== 'secret'));
        expect(new Set(searched.body.items.map((i: any) => i.id))).toEqual(expectedSearchable);
        // Retrieval asks through ai_readable(item, user): the same answer, and none for another user.
        const other = await rt.signup();
        const asked = await sql<{ id: string; mine: boolean; theirs: boolean }>`
          select id, ai_readable(id, ${u.userId}) as mine, ai_readable(id, ${other.userId}) as theirs
          from items where user_id = ${u.userId}`.execute(rt.deps.db);
        expect(new Set(asked.rows.filter((r) => r.mine).map((r) => r.id))).toEqual(expectedShared);
        expect(asked.rows.filter((r) => r.theirs)).toEqual([]);
        // The retrieval statements also admit rows themselves (an item's own share or, without a
        // denying rule, an allowing rule spares the call): the word rankers find only AI-readable
        // items for a word all of them contain, and miss none; the structured walk by kind (with
        // and without a word) finds exactly the AI-readable ones.
        const keys = await new KeyService(rt.deps.db, loadMasterKeyring(rt.config).keyring).forUser(u.userId);
        const x = blindTsquery(keys, "'x'");
        const found = (await hybridSearch(rt.deps.db, { userId: u.userId, tsquery: x, vector: null, perRanker: 40, limit: 24 })).map((i) => i.id);
        for (const id of found) expect(expectedShared.has(id), `retrieval found an item the AI may not read (${id})`).toBe(true);
        expect(found).toHaveLength(Math.min(expectedSearchable.size, 24));
        const byKind = await readableOfKinds(rt.deps.db, { userId: u.userId, kinds: ['fhir.Observation', 'fhir.Condition', 'note', 'wearable.*'], limit: 500 });
        expect(new Set(byKind.map((r) => r.id))).toEqual(expectedShared);
        const byKindAndWord = await readableOfKinds(rt.deps.db, { userId: u.userId, kinds: ['fhir.Observation', 'fhir.Condition', 'note', 'wearable.*'], tsquery: x, limit: 500 });
        expect(new Set(byKindAndWord.map((r) => r.id))).toEqual(expectedSearchable);
      }),
      { numRuns: 60 },
    );
  });

  it('a revoked or expired rule stops sharing at once; an item setting outranks any rule', async () => {
    const u = await rt.signup();
    const vital = await rt.api('POST', '/api/vault/items', { token: u.token, body: { kind: 'fhir.Observation', source: 'epic', title: 'Pulse 61', categories: ['vital-signs'] } });
    const rule = await rt.api('POST', '/api/vault/rules', { token: u.token, body: { source: 'epic', category: 'vital-signs', shareWithAi: true } });
    let got = await rt.api('GET', `/api/vault/items/${vital.body.id}`, { token: u.token });
    expect(got.body.effectivePermission).toMatchObject({ shareWithAi: true, via: 'rule', ruleId: rule.body.id });
    await rt.api('PUT', `/api/vault/items/${vital.body.id}/permissions`, { token: u.token, body: { shareWithAi: false } });
    got = await rt.api('GET', `/api/vault/items/${vital.body.id}`, { token: u.token });
    expect(got.body.effectivePermission).toMatchObject({ shareWithAi: false, via: 'item' });
    await rt.api('PUT', `/api/vault/items/${vital.body.id}/permissions`, { token: u.token, body: { shareWithAi: null } });
    expect((await rt.api('DELETE', `/api/vault/rules/${rule.body.id}`, { token: u.token })).status).toBe(204);
    got = await rt.api('GET', `/api/vault/items/${vital.body.id}`, { token: u.token });
    expect(got.body.effectivePermission).toMatchObject({ shareWithAi: false, via: 'default' });
    const expiring = await rt.api('POST', '/api/vault/rules', { token: u.token, body: { kind: 'fhir.Observation', shareWithAi: true, expiresAt: new Date(Date.now() + 400).toISOString() } });
    expect(expiring.status).toBe(201);
    expect((await rt.api('GET', `/api/vault/items/${vital.body.id}`, { token: u.token })).body.effectivePermission.shareWithAi).toBe(true);
    await new Promise((r) => setTimeout(r, 600));
    expect((await rt.api('GET', `/api/vault/items/${vital.body.id}`, { token: u.token })).body.effectivePermission.shareWithAi).toBe(false);
    const rules = await rt.api('GET', '/api/vault/rules', { token: u.token });
    expect(rules.body.rules[0].expired).toBe(true);
  });

  it('a source names its family: fhir-bundle rules and filters cover fhir-bundle:<server> items, not look-alikes', async () => {
    const u = await rt.signup();
    const post = (source: string) => rt.api('POST', '/api/vault/items', { token: u.token, body: { kind: 'fhir.Observation', source, title: `from ${source}` } });
    const plain = (await post('fhir-bundle')).body.id;
    const server = (await post('fhir-bundle:example.org/fhir')).body.id;
    const lookalike = (await post('fhir-bundles')).body.id;
    const listed = await rt.api('GET', '/api/vault/items?source=fhir-bundle', { token: u.token });
    expect(new Set(listed.body.items.map((i: any) => i.id))).toEqual(new Set([plain, server]));
    const exact = await rt.api('GET', `/api/vault/items?source=${encodeURIComponent('fhir-bundle:example.org/fhir')}`, { token: u.token });
    expect(exact.body.items.map((i: any) => i.id)).toEqual([server]);
    await rt.api('POST', '/api/vault/rules', { token: u.token, body: { source: 'fhir-bundle', shareWithAi: true } });
    const shared = await rt.api('GET', '/api/vault/items?shared=ai', { token: u.token });
    expect(new Set(shared.body.items.map((i: any) => i.id))).toEqual(new Set([plain, server]));
    expect(lookalike).toBeTruthy();
  });

  it('refuses a rule that matches everything', async () => {
    const u = await rt.signup();
    const r = await rt.api('POST', '/api/vault/rules', { token: u.token, body: { shareWithAi: true } });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/at least one of source, kind, category or tag/);
    expect((await rt.api('GET', '/api/vault/rules', { token: u.token })).body.rules).toEqual([]);
  });
});

function pick(p: { shareWithAi: boolean; via: string }) {
  return { shareWithAi: p.shareWithAi, via: p.via };
}
