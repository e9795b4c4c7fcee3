import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { startTestModel, type TestModelServer } from '../../helpers/test-model.ts';
import { listen, postSse } from '../../helpers/http.ts';
import { countEmbeddings } from '../../../src/db/embeddings.ts';

let model: TestModelServer;
let rt: TestRuntime;
let http: { url: string; close(): Promise<void> };
type User = Awaited<ReturnType<TestRuntime['signup']>>;

beforeAll(async () => {
  model = await startTestModel({ TEST_MODEL_TOKEN_DELAY_MS: '2' });
  rt = await createTestRuntime({ MODEL_BACKEND: 'external', OLLAMA_URL: model.url, NUM_CTX: '4096' });
  await rt.deps.jobs.start();
  http = await listen(rt);
});
afterAll(async () => {
  await http?.close();
  await rt?.destroy();
  await model?.stop();
});

async function note(u: User, title: string, text: string, extra: Record<string, unknown> = {}) {
  const r = await rt.api('POST', '/api/vault/items', { token: u.token, body: { kind: 'note', title, text, ...extra } });
  expect(r.status).toBe(201);
  return r.body.id as string;
}
const share = (u: User, id: string, body: Record<string, unknown> = { shareWithAi: true }) => rt.api('PUT', `/api/vault/items/${id}/permissions`, { token: u.token, body });
const ask = (u: User, message: string, conversationId?: string) => postSse(`${http.url}/api/chat`, u.token, { message, ...(conversationId ? { conversationId } : {}) });
const chatBodies = async () => (await model.requests()).filter((r) => r.kind === 'chat' && r.body.messages?.length).map((r) => JSON.stringify(r.body));

describe('chat with your records', () => {
  it('streams context, tokens and done; cites only the cleared item; records the disclosure first', async () => {
    const u = await rt.signup();
    const shared = await note(u, 'Glucose diary', 'Fasting glucose 5.4 mmol/L, stable on metformin');
    const unshared = await note(u, 'Glucose worries', 'Unshared: glucose readings my sister told me about');
    await share(u, shared);
    await model.clearRequests();
    const r = await ask(u, 'How is my glucose?');
    expect(r.status).toBe(200);
    const kinds = r.events.map((e) => e.event);
    expect(kinds[0]).toBe('context');
    expect(kinds.filter((k) => k === 'token').length).toBeGreaterThan(2);
    expect(kinds[kinds.length - 1]).toBe('done');
    expect(r.events[0].data.items).toEqual([expect.objectContaining({ id: shared, title: 'Glucose diary', kind: 'note' })]);
    const answer = r.events.filter((e) => e.event === 'token').map((e) => e.data.text).join('');
    expect(answer).toContain('[1]');
    const done = r.events[kinds.length - 1].data;
    expect(done.cited).toEqual([shared]);
    const sent = (await chatBodies()).join('\n');
    expect(sent).toContain('Fasting glucose 5.4 mmol/L');
    expect(sent).not.toContain('my sister');
    expect((await model.requests()).find((x) => x.kind === 'chat' && x.body.messages?.length)?.numCtx).toBe(4096);
    const disclosures = await rt.api('GET', '/api/audit/disclosures', { token: u.token });
    const chatDisclosure = disclosures.body.disclosures.find((d: any) => d.purpose === 'chat');
    expect(chatDisclosure).toMatchObject({ conversationId: done.conversationId, model: 'llama3.2:3b', itemIds: [shared] });
    expect(chatDisclosure.itemIds).not.toContain(unshared);
    const conv = await rt.api('GET', `/api/conversations/${done.conversationId}`, { token: u.token });
    expect(conv.body.messages.map((m: any) => [m.role, m.status])).toEqual([['user', 'complete'], ['assistant', 'complete']]);
    expect(conv.body.messages[1].content).toBe(answer);
    expect(conv.body.messages[1].items.map((i: any) => i.id)).toEqual([shared]);
    const list = await rt.api('GET', '/api/conversations', { token: u.token });
    expect(list.body.conversations[0]).toMatchObject({ id: done.conversationId, title: 'How is my glucose?', messageCount: 2 });
    const row = await rt.deps.db.selectFrom('messages').select('content_enc').where('conversation_id', '=', done.conversationId).execute();
    expect(row.map((x) => x.content_enc.toString('latin1')).join()).not.toContain('glucose');
  });

  it('continues a conversation with its history, and refuses another user’s conversation', async () => {
    const u = await rt.signup();
    const id = await note(u, 'Cholesterol', 'LDL 3.1 mmol/L in spring');
    await share(u, id);
    const first = await ask(u, 'What about my cholesterol?');
    const conversationId = first.events[0].data.conversationId;
    const updatedAt = async () => (await rt.api('GET', `/api/conversations/${conversationId}`, { token: u.token })).body.updatedAt as string;
    const before = await updatedAt();
    await model.clearRequests();
    const second = await ask(u, 'And is that high?', conversationId);
    expect(second.events.at(-1)?.event).toBe('done');
    // Each stored answer marks its conversation as updated (the list is ordered by it).
    expect(Date.parse(await updatedAt())).toBeGreaterThan(Date.parse(before));
    const body = (await model.requests()).find((r) => r.kind === 'chat')!.body;
    expect(body.messages.map((m: any) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(body.messages[1].content).toBe('What about my cholesterol?');
    const other = await rt.signup();
    const stolen = await ask(other, 'show me', conversationId);
    expect(stolen.status).toBe(404);
    expect(stolen.json.error.code).toBe('not_found');
  });

  it('says so when nothing is shared yet', async () => {
    const u = await rt.signup();
    await note(u, 'Private', 'nothing shared here');
    const r = await ask(u, 'What do my records say?');
    expect(r.events[0].data).toMatchObject({ items: [], notice: 'nothing_shared' });
    expect(r.events.at(-1)?.event).toBe('done');
  });

  it('a stop request ends a long answer at once; the partial answer is kept as incomplete and the model freed', async () => {
    const u = await rt.signup();
    await share(u, await note(u, 'Sleep', 'slept 7 hours'));
    let conversationId = '';
    let stop: Promise<{ status: number }> | undefined;
    const r = await postSse(`${http.url}/api/chat`, u.token, { message: 'tell me about my sleep [[slow]]' }, (e, all) => {
      if (e.event === 'context') conversationId = e.data.conversationId;
      if (!stop && all.filter((x) => x.event === 'token').length === 5) stop = rt.api('POST', '/api/chat/stop', { token: u.token, body: { conversationId } });
    });
    expect((await stop)?.status).toBe(204);
    const last = r.events.at(-1)!;
    expect(last.event).toBe('error');
    expect(last.data.code).toBe('aborted');
    const tokens = r.events.filter((e) => e.event === 'token').length;
    expect(tokens).toBeLessThan(100);
    const conv = await rt.api('GET', `/api/conversations/${conversationId}`, { token: u.token });
    expect(conv.body.messages[1].status).toBe('incomplete');
    expect(conv.body.messages[1].content.length).toBeGreaterThan(0);
    expect((await rt.deps.pool.health()).busy).toBe(0);
  });

  it('a client that disconnects aborts generation and frees the model', async () => {
    const u = await rt.signup();
    await share(u, await note(u, 'Steps', 'walked 9000 steps'));
    let conversationId = '';
    await postSse(`${http.url}/api/chat`, u.token, { message: 'steps please [[slow]]' }, (e, all) => {
      if (e.event === 'context') conversationId = e.data.conversationId;
      return all.filter((x) => x.event === 'token').length >= 3 ? 'abort' : undefined;
    });
    let status = '';
    for (let i = 0; i < 100 && status !== 'incomplete'; i++) {
      await new Promise((res) => setTimeout(res, 50));
      const conv = await rt.api('GET', `/api/conversations/${conversationId}`, { token: u.token });
      status = conv.body.messages[1]?.status ?? '';
    }
    expect(status).toBe('incomplete');
    expect((await rt.deps.pool.health()).busy).toBe(0);
  });

  it('a model failing mid-answer ends with an error event and keeps the partial answer', async () => {
    const u = await rt.signup();
    await share(u, await note(u, 'Weight', 'weight 71 kg'));
    const r = await ask(u, 'my weight [[fail-midstream]]');
    expect(r.events.some((e) => e.event === 'token')).toBe(true);
    const last = r.events.at(-1)!;
    expect(last.event).toBe('error');
    expect(last.data.code).toBe('model_failed');
    const conv = await rt.api('GET', `/api/conversations/${last.data.conversationId}`, { token: u.token });
    expect(conv.body.messages[1]).toMatchObject({ role: 'assistant', status: 'error' });
    expect(conv.body.messages[1].content.length).toBeGreaterThan(0);
  });

  it('bad chat input is a 400 before any stream, and nothing is stored', async () => {
    const u = await rt.signup();
    for (const body of [{}, { message: 'x', conversationId: 'nope' }, { message: 'x', extra: 1 }, { message: 'x'.repeat(20_001) }]) {
      const r = await postSse(`${http.url}/api/chat`, u.token, body);
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe('validation_failed');
    }
    expect((await rt.api('GET', '/api/conversations', { token: u.token })).body.conversations).toEqual([]);
  });

  it('an empty, a 10,000-character or a nonsense question is answered without records, never refused', async () => {
    const u = await rt.signup();
    const id = await note(u, 'Glucose diary', 'Fasting glucose 5.4 mmol/L');
    await share(u, id);
    for (const message of ['', '   ', 'zxqv wrrbl flommp', 'blah '.repeat(2000), 'What happened on February 30?']) {
      const r = await ask(u, message);
      expect(r.status, message.slice(0, 20)).toBe(200);
      expect(r.events[0].event).toBe('context');
      expect(r.events[0].data.items).toEqual([]);
      expect(r.events[0].data.notice).toBe('nothing_relevant');
      expect(r.events.at(-1)?.event).toBe('done');
    }
  });

  it('a reopened conversation keeps each cited record in its place, a deleted one as a placeholder', async () => {
    const u = await rt.signup();
    const a = await note(u, 'Thyroid panel', 'thyroid TSH 2.1 mIU/L');
    const b = await note(u, 'Thyroid scan', 'thyroid ultrasound normal');
    await share(u, a);
    await share(u, b);
    const r = await ask(u, 'What about my thyroid?');
    const cited = r.events[0].data.items.map((i: any) => i.id);
    expect([...cited].sort()).toEqual([a, b].sort());
    const gone = cited[0];
    const kept = cited[1];
    expect((await rt.api('DELETE', `/api/vault/items/${gone}`, { token: u.token })).status).toBe(204);
    const conv = await rt.api('GET', `/api/conversations/${r.events.at(-1)!.data.conversationId}`, { token: u.token });
    for (const m of conv.body.messages) {
      expect(m.items).toHaveLength(2);
      expect(m.items[0]).toEqual({ id: gone, title: null, kind: null, effectiveAt: null, deleted: true });
      expect(m.items[1]).toMatchObject({ id: kept, kind: 'note' });
      expect(m.items[1].deleted).toBeUndefined();
    }
  });

  it('a greeting discloses no record: the vector side needs similarity, and the notice says nothing matched', async () => {
    const u = await rt.signup();
    await share(u, await note(u, 'Vitamin D', 'vitamin D 52 nmol/L in winter'));
    await share(u, await note(u, 'Blood count', 'haemoglobin 138 g/L'));
    for (let i = 0; i < 3; i++) {
      await new Promise((res) => setTimeout(res, 50));
      await rt.deps.jobs.whenIdle();
    }
    if (!process.env.TEST_DATABASE_URL) expect(Number((await countEmbeddings(rt.deps.db, u.userId)).n)).toBe(2);
    await model.clearRequests();
    const r = await ask(u, 'hello there');
    expect(r.events[0].data).toMatchObject({ items: [], notice: 'nothing_relevant' });
    expect(r.events.at(-1)?.event).toBe('done');
    expect((await chatBodies()).join('\n')).not.toMatch(/Vitamin|haemoglobin/);
    expect((await rt.api('GET', '/api/audit/disclosures', { token: u.token })).body.disclosures.find((d: any) => d.purpose === 'chat').itemIds).toEqual([]);
  });
});
