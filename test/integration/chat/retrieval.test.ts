import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { ensureVectorIndex, upsertEmbeddings } from '../../../src/db/embeddings.ts';
import { Retriever } from '../../../src/retrieval/retriever.ts';
import { KeyService } from '../../../src/vault/keys.ts';
import { loadMasterKeyring } from '../../../src/vault/master-key.ts';
// @ts-expect-error plain JS module of the test model server
import { EMBED_DIM, embedText } from '../../../containers/test-model/model-logic.mjs';

/** Retrieval against a real database: what the SQL lets through, and what the redactor knows. */
let rt: TestRuntime;
const DAY = 86_400_000;

beforeAll(async () => {
  rt = await createTestRuntime();
});
afterAll(async () => {
  await rt?.destroy();
});

describe('retrieval', () => {
  it('finds an older shared item under a thousand newer unshared items matching the same words', async () => {
    const u = await rt.signup();
    const batch = Array.from({ length: 1200 }, (_, i) => ({
      kind: 'wearable.daily',
      source: 'apple-health',
      sourceId: `day/${i}`,
      title: `Daily heart rate ${i}`,
      text: `resting heart rate ${50 + (i % 30)} bpm`,
      effectiveAt: new Date(Date.now() - i * DAY).toISOString(),
    }));
    for (let off = 0; off < batch.length; off += 400) await rt.deps.items.importItems(u.userId, batch.slice(off, off + 400));
    const shared = await rt.deps.items.create(u.userId, {
      kind: 'wearable.daily',
      title: 'Cardiology letter',
      text: 'heart rate irregular at the 2019 review',
      effectiveAt: new Date(Date.now() - 2000 * DAY).toISOString(),
      permissions: { shareWithAi: true },
    });
    // And one shared by a rule rather than its own setting (the deep walk's pre-filter reads rules).
    await rt.deps.rules.create(u.userId, { tag: 'cardio', shareWithAi: true });
    const byRule = await rt.deps.items.create(u.userId, {
      kind: 'wearable.daily',
      title: 'Holter summary',
      text: 'heart rate average 64',
      tags: ['cardio'],
      effectiveAt: new Date(Date.now() - 2500 * DAY).toISOString(),
    });
    // Free text ("rate" is no topic, and wearable days are no clinical kind: the word rankers'
    // deep walk) and structured (the heart rate topic: a walk of the wearable days) both reach
    // past the unshared items.
    const r = await rt.deps.retriever.retrieve(u.userId, 'What was the rate?', { embed: async () => null });
    expect(r.mode).toBe('lexical');
    expect(r.items.map((i) => i.id).sort()).toEqual([shared.id, byRule.id].sort());
    const structured = await rt.deps.retriever.retrieve(u.userId, 'What was my heart rate?', { embed: async () => null });
    expect(structured.mode).toBe('structured');
    expect(structured.items.map((i) => i.id).sort()).toEqual([shared.id, byRule.id].sort());
  });

  it('runs on one reused plan while the database is small, and plans each question beyond that', async () => {
    const u = await rt.signup();
    // Goals are no kind the structured paths read: the question goes to free-text search.
    const glucose = await rt.deps.items.create(u.userId, { kind: 'fhir.Goal', title: 'Glucose goal', text: 'fasting glucose under 6', permissions: { shareWithAi: true } });
    await rt.deps.items.create(u.userId, { kind: 'fhir.Goal', title: 'Glucose worries', text: 'fasting glucose, not shared' });
    const total = Number((await rt.deps.db.selectFrom('items').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    // One connection throughout (the embedded database has only one): plans and their counters
    // belong to a session.
    await rt.deps.db.connection().execute(async (db) => {
      const keys = new KeyService(db, loadMasterKeyring(rt.config).keyring);
      const plans = async () =>
        (await sql<{ g: number; c: number }>`select coalesce(sum(generic_plans), 0)::int as g, coalesce(sum(custom_plans), 0)::int as c
          from pg_prepared_statements where statement like '%lex_first%'`.execute(db)).rows[0];
      const small = new Retriever(db, keys, { vector: false, embedModel: 'none', smallDatabaseItems: total });
      const large = new Retriever(db, keys, { vector: false, embedModel: 'none', smallDatabaseItems: total - 1 });
      const before = await plans();
      // "fasting" is no topic: free-text search, the statement whose plans are counted.
      const first = await small.retrieve(u.userId, 'fasting?');
      await small.retrieve(u.userId, 'fasting?');
      const between = await plans();
      expect([between.g - before.g, between.c - before.c]).toEqual([2, 0]);
      const planned = await large.retrieve(u.userId, 'fasting?');
      const after = await plans();
      expect([after.g - between.g, after.c - between.c]).toEqual([0, 1]);
      // The same records either way, and only the shared one.
      expect(first.items.map((i) => i.id)).toEqual([glucose.id]);
      expect(planned.items.map((i) => i.id)).toEqual([glucose.id]);
    });
  });

  it('always knows the person’s own name from their Patient record, however many practitioners there are', async () => {
    const u = await rt.signup();
    const practitioners = Array.from({ length: 400 }, (_, i) => ({
      kind: 'fhir.Practitioner',
      source: 'epic',
      sourceId: `Practitioner/${i}`,
      title: `Practitioner ${i}`,
      content: { resourceType: 'Practitioner', name: [{ family: `Carer${i}` }] },
    }));
    await rt.deps.items.importItems(u.userId, practitioners);
    await rt.deps.items.importItems(u.userId, [
      { kind: 'fhir.Patient', source: 'epic', sourceId: 'Patient/1', title: 'Patient record', content: { resourceType: 'Patient', name: [{ family: 'Quartermaine', given: ['Zebulon'] }] } },
    ]);
    // Statistics as a real vault has them: the planner then reads the identity rows in table
    // order (a bitmap or sequential scan), where the Patient, imported last, comes last.
    await sql`analyze items`.execute(rt.deps.db);
    await rt.deps.items.create(u.userId, { kind: 'note', title: 'Cardiology review', text: 'Zebulon Quartermaine attended the cardiology review', permissions: { shareWithAi: true } });
    const r = await rt.deps.retriever.retrieve(u.userId, 'cardiology review', { embed: async () => null });
    expect(r.items).toHaveLength(1);
    expect(r.items[0].text).not.toMatch(/Zebulon|Quartermaine/);
    expect(r.items[0].text).toContain('[name] attended the cardiology review');
  });

  it.runIf(!process.env.TEST_DATABASE_URL)('a vector neighbour must be similar enough, unless the words matched it too', async () => {
    const u = await rt.signup();
    const swim = await rt.deps.items.create(u.userId, { kind: 'note', title: 'Morning swim log', text: 'swam forty lengths of the pool before breakfast', permissions: { shareWithAi: true } });
    const knee = await rt.deps.items.create(u.userId, { kind: 'note', title: 'Knee', text: 'knee pain after running', permissions: { shareWithAi: true } });
    const rows = await rt.deps.db.selectFrom('items').select(['id', 'content_hash']).where('user_id', '=', u.userId).execute();
    const text = new Map([[swim.id, 'Morning swim log. swam forty lengths of the pool before breakfast'], [knee.id, 'Knee. knee pain after running']]);
    await ensureVectorIndex(rt.deps.db, EMBED_DIM);
    await upsertEmbeddings(rt.deps.db, rows.map((r) => ({ itemId: r.id, userId: u.userId, model: rt.config.EMBED_MODEL, contentHash: r.content_hash, embedding: embedText(text.get(r.id)) as number[] })));
    const ask = (q: string) => rt.deps.retriever.retrieve(u.userId, q, { embed: async () => embedText(q) });
    // "hello" has nearest neighbours too, but nothing near enough: no record is disclosed.
    const hello = await ask('hello there');
    expect(hello.items).toEqual([]);
    expect(hello.mode).toBe('none');
    // Close in meaning, no word in common with the index (all stop words): found by the vector alone.
    const close = await rt.deps.retriever.retrieve(u.userId, 'of the before', { embed: async () => embedText('swam forty lengths of the pool before breakfast') });
    expect(close.items.map((i) => i.id)).toEqual([swim.id]);
    // A word match qualifies an item whatever its similarity.
    const lexical = await ask('knee swim tell');
    expect(lexical.items.map((i) => i.id).sort()).toEqual([swim.id, knee.id].sort());
  });

  it.runIf(!process.env.TEST_DATABASE_URL)('a period filters the vector neighbours by their item’s date, and follows a changed date', async () => {
    const u = await rt.signup();
    const text = 'swam forty lengths of the pool before breakfast';
    const in2023 = await rt.deps.items.create(u.userId, { kind: 'note', title: 'Swim 2023', text, effectiveAt: '2023-06-01T08:00:00Z', permissions: { shareWithAi: true } });
    const in2021 = await rt.deps.items.create(u.userId, { kind: 'note', title: 'Swim 2021', text, effectiveAt: '2021-06-01T08:00:00Z', permissions: { shareWithAi: true } });
    const rows = await rt.deps.db.selectFrom('items').select(['id', 'content_hash']).where('user_id', '=', u.userId).execute();
    await ensureVectorIndex(rt.deps.db, EMBED_DIM);
    await upsertEmbeddings(rt.deps.db, rows.map((r) => ({ itemId: r.id, userId: u.userId, model: rt.config.EMBED_MODEL, contentHash: r.content_hash, embedding: embedText(text) as number[] })));
    const dates = async () =>
      Object.fromEntries((await rt.deps.db.selectFrom('item_embeddings').select(['item_id', 'sort_at']).where('user_id', '=', u.userId).execute()).map((r) => [r.item_id, new Date(r.sort_at).toISOString()]));
    expect(await dates()).toEqual({ [in2023.id]: '2023-06-01T08:00:00.000Z', [in2021.id]: '2021-06-01T08:00:00.000Z' });
    // Stop words only: the vector alone finds them, over a period longer than two months.
    const ask = () => rt.deps.retriever.retrieve(u.userId, 'of the before in 2023', { embed: async () => embedText(text) });
    expect((await ask()).items.map((i) => i.id)).toEqual([in2023.id]);
    await rt.deps.items.update(u.userId, in2021.id, { effectiveAt: '2023-02-01T08:00:00Z' });
    expect((await dates())[in2021.id]).toBe('2023-02-01T08:00:00.000Z');
    expect((await ask()).items.map((i) => i.id).sort()).toEqual([in2023.id, in2021.id].sort());
  });

  it('recent items stand in for an overview question or a period, never for a greeting or thanks', async () => {
    const u = await rt.signup();
    const it1 = await rt.deps.items.create(u.userId, { kind: 'note', title: 'Flu shot', text: 'influenza vaccine given', permissions: { shareWithAi: true } });
    for (const q of ['thanks!', 'ok thank you', 'hello', 'hi there']) {
      const r = await rt.deps.retriever.retrieve(u.userId, q, { embed: async () => null });
      expect([q, r.mode, r.items.length]).toEqual([q, 'none', 0]);
    }
    const recent = await rt.deps.retriever.retrieve(u.userId, 'anything new?', { embed: async () => null });
    expect([recent.mode, recent.items.map((i) => i.id)]).toEqual(['recent', [it1.id]]);
    // A period with no subject is a digest of that period (here: the note, dated today).
    const period = await rt.deps.retriever.retrieve(u.userId, 'what happened this year?', { embed: async () => null });
    expect([period.mode, period.items.map((i) => i.id)]).toEqual(['structured', [it1.id]]);
    const before = await rt.deps.retriever.retrieve(u.userId, 'what happened in 2019?', { embed: async () => null });
    expect(before.items).toEqual([]);
    // An overview lists the person's notes too (this vault has nothing else).
    const r = await rt.deps.retriever.retrieve(u.userId, 'Summarize my records', { embed: async () => null });
    expect([r.mode, r.items.map((i) => i.id)]).toEqual(['overview', [it1.id]]);
  });
});
