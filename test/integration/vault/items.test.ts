import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';

let rt: TestRuntime;
let alice: Awaited<ReturnType<TestRuntime['signup']>>;
let mallory: Awaited<ReturnType<TestRuntime['signup']>>;

beforeAll(async () => {
  rt = await createTestRuntime();
  alice = await rt.signup();
  mallory = await rt.signup();
});
afterAll(() => rt?.destroy());

const post = (token: string, body: unknown) => rt.api('POST', '/api/vault/items', { token, body });

describe('vault items', () => {
  it('creates an item, reads it back decrypted, with nothing shared by default', async () => {
    const r = await post(alice.token, {
      kind: 'fhir.Observation',
      title: 'Blood pressure 128/82 mmHg',
      text: 'Systolic 128, diastolic 82, taken at the clinic',
      content: { resourceType: 'Observation', valueQuantity: { value: 128, unit: 'mm[Hg]' } },
      effectiveAt: '2024-03-02T09:30:00+01:00',
      tags: ['clinic'],
      categories: ['vital-signs'],
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      kind: 'fhir.Observation',
      source: 'user',
      title: 'Blood pressure 128/82 mmHg',
      effectiveAt: '2024-03-02T08:30:00.000Z',
      sensitivity: 'normal',
      tags: ['clinic'],
      permissions: { shareWithAi: null, shareWithCloud: null, readOnly: false, expiresAt: null },
      effectivePermission: { shareWithAi: false, shareWithCloud: false, via: 'default' },
    });
    const got = await rt.api('GET', `/api/vault/items/${r.body.id}`, { token: alice.token });
    expect(got.body.text).toBe('Systolic 128, diastolic 82, taken at the clinic');
    expect(got.body.content).toEqual({ resourceType: 'Observation', valueQuantity: { value: 128, unit: 'mm[Hg]' } });
    const row = await rt.deps.db.selectFrom('items').selectAll().where('id', '=', r.body.id).executeTakeFirstOrThrow();
    expect(row.title_enc.toString('latin1')).not.toContain('Blood');
    expect(row.text_enc!.toString('latin1')).not.toContain('Systolic');
    expect(row.search).not.toMatch(/pressur|systol|clinic/);
  });

  it('finds items by their words through the blind index, and not by words they lack', async () => {
    await post(alice.token, { kind: 'note', title: 'Knee pain after running', text: 'The left knee hurts when climbing stairs' });
    await post(alice.token, { kind: 'note', title: 'Allergy', text: 'Penicillin causes hives' });
    const hit = await rt.api('GET', '/api/vault/items?q=stairs', { token: alice.token });
    expect(hit.body.items.map((i: any) => i.title)).toEqual(['Knee pain after running']);
    const stemmed = await rt.api('GET', '/api/vault/items?q=climbed', { token: alice.token });
    expect(stemmed.body.items.map((i: any) => i.title)).toEqual(['Knee pain after running']);
    const phrase = await rt.api('GET', `/api/vault/items?q=${encodeURIComponent('"blood pressure"')}`, { token: alice.token });
    expect(phrase.body.items.map((i: any) => i.title)).toEqual(['Blood pressure 128/82 mmHg']);
    const none = await rt.api('GET', '/api/vault/items?q=diabetes', { token: alice.token });
    expect(none.body.items).toEqual([]);
    const negated = await rt.api('GET', `/api/vault/items?q=${encodeURIComponent('knee -stairs')}`, { token: alice.token });
    expect(negated.body.items).toEqual([]);
    // Another user's index key differs: the same word finds nothing of Alice's.
    const other = await rt.api('GET', '/api/vault/items?q=stairs', { token: mallory.token });
    expect(other.body.items).toEqual([]);
  });

  it('pages with a cursor without gaps or repeats, and filters by kind, source and date', async () => {
    const u = await rt.signup();
    const batch = Array.from({ length: 23 }, (_, n) => ({
      kind: n % 2 ? 'wearable.daily' : 'note',
      source: n % 3 ? 'apple-health' : 'user',
      sourceId: `s-${n}`,
      title: `entry ${n}`,
      effectiveAt: n < 20 ? new Date(Date.UTC(2024, 0, 1 + n)).toISOString() : undefined,
    }));
    for (const b of batch) expect((await post(u.token, b)).status).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r: any = await rt.api('GET', `/api/vault/items?limit=5${cursor ? `&cursor=${cursor}` : ''}`, { token: u.token });
      expect(r.status).toBe(200);
      seen.push(...r.body.items.map((i: any) => i.title));
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(23);
    expect(new Set(seen).size).toBe(23);
    const kind = await rt.api('GET', '/api/vault/items?kind=wearable.daily&limit=100', { token: u.token });
    expect(kind.body.items).toHaveLength(11);
    const prefix = await rt.api('GET', '/api/vault/items?kind=wearable.*&limit=100', { token: u.token });
    expect(prefix.body.items).toHaveLength(11);
    const src = await rt.api('GET', '/api/vault/items?source=user&limit=100', { token: u.token });
    expect(src.body.items.every((i: any) => i.source === 'user')).toBe(true);
    expect(src.body.items).toHaveLength(8);
    // A date-only `to` includes that whole day (entry 9 is 2024-01-10).
    const range = await rt.api('GET', '/api/vault/items?from=2024-01-05&to=2024-01-10&limit=100', { token: u.token });
    expect(range.body.items.map((i: any) => i.title).sort()).toEqual(['entry 4', 'entry 5', 'entry 6', 'entry 7', 'entry 8', 'entry 9'].sort());
  });

  it('list parameters are lenient: a date-only `to` is the end of that day, a large limit is clamped, empty ones are absent', async () => {
    const u = await rt.signup();
    const at = (iso: string, title: string) => post(u.token, { kind: 'note', title, effectiveAt: iso });
    await at('2024-01-10T00:00:00Z', 'midnight');
    await at('2024-01-10T23:59:59.999Z', 'last millisecond');
    await at('2024-01-11T00:00:00Z', 'next day');
    await at('2024-01-09T23:59:59Z', 'day before');
    const titles = (r: any) => r.body.items.map((i: any) => i.title).sort();

    const day = await rt.api('GET', '/api/vault/items?from=2024-01-10&to=2024-01-10', { token: u.token });
    expect(day.status).toBe(200);
    expect(titles(day)).toEqual(['last millisecond', 'midnight']);
    // A date-time `to` stays an exclusive instant.
    const instant = await rt.api('GET', '/api/vault/items?to=2024-01-10T23:59:59.999Z', { token: u.token });
    expect(titles(instant)).toEqual(['day before', 'midnight']);

    // More than a page: a limit above the maximum gives the largest page (500), not a 400 nor the default 50.
    await rt.deps.items.importItems(u.userId, Array.from({ length: 501 }, (_, n) => ({ kind: 'note', source: 'bulk', sourceId: `b${n}`, title: `bulk ${n}` })));
    const big = await rt.api('GET', '/api/vault/items?source=bulk&limit=100000', { token: u.token });
    expect(big.status).toBe(200);
    expect(big.body.items).toHaveLength(500);
    expect(big.body.nextCursor).toEqual(expect.any(String));
    expect((await rt.api('GET', '/api/vault/items?limit=0', { token: u.token })).status).toBe(400);

    const empty = await rt.api('GET', '/api/vault/items?from=&to=&q=&kind=&source=&cursor=&limit=', { token: u.token });
    expect(empty.status).toBe(200);
    expect(empty.body.items).toHaveLength(50);
    const emptyDates = await rt.api('GET', '/api/vault/items?source=&from=&to=2024-01-10&limit=', { token: u.token });
    expect(emptyDates.status).toBe(200);
    expect(titles(emptyDates)).toEqual(['day before', 'last millisecond', 'midnight']);
  });

  it('re-importing the same items changes nothing; changed ones update but keep user choices', async () => {
    const u = await rt.signup();
    const items = [
      { kind: 'fhir.Condition', source: 'epic', sourceId: 'Condition/1', title: 'Asthma', text: 'Asthma, mild intermittent' },
      { kind: 'fhir.Condition', source: 'epic', sourceId: 'Condition/2', title: 'Hay fever', text: 'Seasonal allergic rhinitis' },
    ];
    const first = await rt.deps.items.importItems(u.userId, items);
    expect(first.inserted).toHaveLength(2);
    const again = await rt.deps.items.importItems(u.userId, items);
    expect(again).toEqual({ inserted: [], updated: [], unchanged: 2 });
    const id = first.inserted[0];
    const before = await rt.api('GET', `/api/vault/items/${id}`, { token: u.token });
    await rt.api('PUT', `/api/vault/items/${id}/permissions`, { token: u.token, body: { shareWithAi: true } });
    const changed = await rt.deps.items.importItems(u.userId, [{ ...items[0], text: 'Asthma, moderate persistent' }, items[1]]);
    expect(changed).toEqual({ inserted: [], updated: [id], unchanged: 1 });
    const after = await rt.api('GET', `/api/vault/items/${id}`, { token: u.token });
    expect(after.body.text).toBe('Asthma, moderate persistent');
    expect(after.body.permissions.shareWithAi).toBe(true);
    expect(after.body.createdAt).toBe(before.body.createdAt);
  });

  it('POST with a known (source, sourceId) re-imports: same id, content replaced, user permissions kept, read-only refused', async () => {
    const u = await rt.signup();
    const body = { kind: 'note', source: 'my-app', sourceId: 'note-1', title: 'Version one', text: 'first draft about migraine', tags: ['diary'] };
    const first = await post(u.token, body);
    expect(first.status).toBe(201);
    const id = first.body.id;
    await rt.api('PUT', `/api/vault/items/${id}/permissions`, { token: u.token, body: { shareWithAi: true } });

    const second = await post(u.token, { ...body, title: 'Version two', text: 'second draft about vertigo', content: { v: 2 } });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ id, title: 'Version two', text: 'second draft about vertigo', content: { v: 2 }, permissions: { shareWithAi: true } });
    expect(second.body.createdAt).toBe(first.body.createdAt);
    const rows = () => rt.deps.db.selectFrom('items').selectAll().where('user_id', '=', u.userId).execute();
    expect(await rows()).toHaveLength(1);
    // The blind index follows the new text.
    expect((await rt.api('GET', '/api/vault/items?q=vertigo', { token: u.token })).body.items.map((i: any) => i.id)).toEqual([id]);
    expect((await rt.api('GET', '/api/vault/items?q=migraine', { token: u.token })).body.items).toEqual([]);

    // Identical again: 200, same id, nothing written.
    const [before] = await rows();
    const same = await post(u.token, { ...body, title: 'Version two', text: 'second draft about vertigo', content: { v: 2 } });
    expect(same.status).toBe(200);
    expect(same.body.id).toBe(id);
    expect((await rows())[0].updated_at).toEqual(before.updated_at);

    // Permissions in the body do apply to a re-import.
    const withPerms = await post(u.token, { ...body, permissions: { shareWithAi: false } });
    expect(withPerms.status).toBe(200);
    expect(withPerms.body).toMatchObject({ id, title: 'Version one', permissions: { shareWithAi: false } });

    // Read-only: 409, and the row is exactly as it was.
    await rt.api('PUT', `/api/vault/items/${id}/permissions`, { token: u.token, body: { readOnly: true } });
    const [locked] = await rows();
    const refused = await post(u.token, { ...body, title: 'tampered', text: 'tampered', permissions: { readOnly: false } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('read_only');
    expect(await rows()).toEqual([locked]);

    // Without a source the source is "user"; the same sourceId under another source is another item.
    const own = await post(u.token, { kind: 'note', sourceId: 'note-1', title: 'mine' });
    expect(own.status).toBe(201);
    expect(own.body).toMatchObject({ source: 'user', sourceId: 'note-1' });
    const ownAgain = await post(u.token, { kind: 'note', sourceId: 'note-1', title: 'mine, edited' });
    expect(ownAgain.status).toBe(200);
    expect(ownAgain.body).toMatchObject({ id: own.body.id, title: 'mine, edited' });
    // Another user's identical (source, sourceId) is their own item.
    const other = await post(mallory.token, body);
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(id);
  });

  it('read-only items refuse edits and deletion with 409 and stay as they were', async () => {
    const r = await post(alice.token, { kind: 'note', title: 'Signed discharge letter', text: 'original', permissions: { readOnly: true } });
    const id = r.body.id;
    const patch = await rt.api('PATCH', `/api/vault/items/${id}`, { token: alice.token, body: { text: 'tampered' } });
    expect(patch.status).toBe(409);
    expect(patch.body.error.code).toBe('read_only');
    const del = await rt.api('DELETE', `/api/vault/items/${id}`, { token: alice.token });
    expect(del.status).toBe(409);
    const got = await rt.api('GET', `/api/vault/items/${id}`, { token: alice.token });
    expect(got.body.text).toBe('original');
    await rt.api('PUT', `/api/vault/items/${id}/permissions`, { token: alice.token, body: { readOnly: false } });
    expect((await rt.api('PATCH', `/api/vault/items/${id}`, { token: alice.token, body: { text: 'edited by owner' } })).body.text).toBe('edited by owner');
  });

  it('edits re-index the item; secret items are never indexed', async () => {
    const r = await post(alice.token, { kind: 'note', title: 'Therapy session', text: 'discussed insomnia', sensitivity: 'secret' });
    expect(r.body.effectivePermission).toMatchObject({ shareWithAi: false, via: 'secret' });
    const row = await rt.deps.db.selectFrom('items').select(['search']).where('id', '=', r.body.id).executeTakeFirstOrThrow();
    expect(row.search).toBeNull();
    expect((await rt.api('GET', '/api/vault/items?q=insomnia', { token: alice.token })).body.items).toEqual([]);
    // Even an explicit share does not expose a secret item.
    const shared = await rt.api('PUT', `/api/vault/items/${r.body.id}/permissions`, { token: alice.token, body: { shareWithAi: true } });
    expect(shared.body.effectivePermission.shareWithAi).toBe(false);
    const normal = await rt.api('PATCH', `/api/vault/items/${r.body.id}`, { token: alice.token, body: { sensitivity: 'normal' } });
    expect(normal.body.effectivePermission.shareWithAi).toBe(true);
    expect((await rt.api('GET', '/api/vault/items?q=insomnia', { token: alice.token })).body.items).toHaveLength(1);
  });

  it("another user's item is a 404 for every verb, and stays untouched", async () => {
    const r = await post(alice.token, { kind: 'note', title: 'mine', text: 'private words' });
    const id = r.body.id;
    for (const [method, path, body] of [
      ['GET', `/api/vault/items/${id}`, undefined],
      ['PATCH', `/api/vault/items/${id}`, { title: 'stolen' }],
      ['PUT', `/api/vault/items/${id}/permissions`, { shareWithAi: true }],
      ['DELETE', `/api/vault/items/${id}`, undefined],
    ] as const) {
      const res = await rt.api(method, path, { token: mallory.token, body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    const got = await rt.api('GET', `/api/vault/items/${id}`, { token: alice.token });
    expect(got.body).toMatchObject({ title: 'mine', text: 'private words', permissions: { shareWithAi: null } });
  });

  it('exports everything of the user, decrypted, and nothing of anyone else', async () => {
    const r = await rt.api('GET', '/api/vault/export', { token: alice.token });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-disposition')).toMatch(/attachment/);
    const list = await rt.api('GET', '/api/vault/items?limit=500', { token: alice.token });
    expect(r.body.items.map((i: any) => i.id).sort()).toEqual(list.body.items.map((i: any) => i.id).sort());
    expect(r.body.items.find((i: any) => i.title === 'Blood pressure 128/82 mmHg').text).toContain('Systolic 128');
    expect(r.body.user.id).toBe(alice.userId);
    const mine = await post(mallory.token, { kind: 'note', title: 'mallory only' });
    expect(JSON.stringify(r.body)).not.toContain(mine.body.id);
  });
});
