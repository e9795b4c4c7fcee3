import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { listen, postSse } from '../../helpers/http.ts';
import { startTestModel, type TestModelServer } from '../../helpers/test-model.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The stored answer while it streams (through the real Ollama client and the test model server),
 * and the account-deletion path on the external backend.
 */
describe('an answer while it streams', () => {
  let model: TestModelServer;
  let rt: TestRuntime;
  let http: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    model = await startTestModel();
    rt = await createTestRuntime({ MODEL_BACKEND: 'external', OLLAMA_URL: model.url, CHAT_MODEL: 'test-chat', EMBED_MODEL: 'test-embed' });
    http = await listen(rt);
  });
  afterAll(async () => {
    await http?.close();
    await rt?.destroy();
    await model?.stop();
  });

  async function userWithItem() {
    const u = await rt.signup();
    await rt.api('POST', '/api/vault/items', { token: u.token, body: { kind: 'note', title: 'Ferritin', text: 'ferritin 40 ug/L', permissions: { shareWithAi: true } } });
    return u;
  }

  it('is readable as `streaming` with its text so far, saved again every few seconds, then `complete`', async () => {
    const u = await userWithItem();
    const seen: { status: string; words: number }[] = [];
    let conversationId = '';
    let polling: Promise<void> | undefined;
    const r = await postSse(`${http.url}/api/chat`, u.token, { message: 'my ferritin [[slow]]' }, (e) => {
      if (e.event === 'context') conversationId = e.data.conversationId;
      if (e.event === 'token' && !polling) {
        polling = (async () => {
          for (let i = 0; i < 5; i++) {
            await sleep(1000);
            const conv = await rt.api('GET', `/api/conversations/${conversationId}`, { token: u.token });
            const a = conv.body.messages[1];
            if (a) seen.push({ status: a.status, words: a.content.split(' ').length });
          }
        })();
      }
    });
    await polling;
    expect(r.events.at(-1)!.event).toBe('done');
    const streaming = seen.filter((s) => s.status === 'streaming');
    expect(streaming.length).toBeGreaterThanOrEqual(2);
    // Saved again while it streamed, not only at its first token.
    expect(streaming.at(-1)!.words).toBeGreaterThan(streaming[0].words);
    const conv = await rt.api('GET', `/api/conversations/${conversationId}`, { token: u.token });
    expect(conv.body.messages).toHaveLength(2);
    expect(conv.body.messages[1]).toMatchObject({ status: 'complete', content: r.events.filter((e) => e.event === 'token').map((e) => e.data.text).join('') });
  });

  it('a follow-up question does not send a still-streaming answer back as history', async () => {
    const u = await userWithItem();
    let conversationId = '';
    const first = postSse(`${http.url}/api/chat`, u.token, { message: 'my ferritin [[slow]]' }, (e) => {
      if (e.event === 'context') conversationId = e.data.conversationId;
    });
    await sleep(2500); // streaming, saved at least once
    await model.clearRequests();
    const second = await postSse(`${http.url}/api/chat`, u.token, { message: 'and now?', conversationId });
    expect(second.events.at(-1)!.event).toBe('done');
    const chat = (await model.requests()).find((q) => q.kind === 'chat');
    expect(chat!.body.messages.filter((m: { role: string }) => m.role === 'assistant')).toHaveLength(0);
    const superseded = await first;
    expect(superseded.events.at(-1)!.data.code).toBe('aborted');
  });

  it('deleting the account ends the stream with account_deleted and leaves no row', async () => {
    const u = await userWithItem();
    let deleted = 0;
    const r = await postSse(`${http.url}/api/chat`, u.token, { message: 'my ferritin [[slow]]' }, (e, all) => {
      if (e.event === 'token' && all.filter((x) => x.event === 'token').length === 40 && !deleted) {
        deleted = Date.now();
        void rt.api('DELETE', '/api/me', { token: u.token, body: { password: 'a long enough password' } });
      }
    });
    expect(r.events.at(-1)!.data).toMatchObject({ code: 'account_deleted', messageId: null });
    expect(Date.now() - deleted).toBeLessThan(1500);
    await sleep(2500);
    const rows = await sql<{ n: number }>`select count(*)::int as n from messages where user_id = ${u.userId}::uuid`.execute(rt.database.db);
    expect(rows.rows[0].n).toBe(0);
  });

  it('a question that starts while the account is being deleted is refused with 410, storing nothing', async () => {
    const u = await userWithItem();
    await rt.deps.chat.endStreamsOf(u.userId); // the first step of DELETE /api/me
    const r = await postSse(`${http.url}/api/chat`, u.token, { message: 'my ferritin' });
    expect(r.status).toBe(410);
    expect(r.json.error).toMatchObject({ code: 'account_deleted', message: expect.stringMatching(/account was deleted/) });
    const rows = await sql<{ n: number }>`select count(*)::int as n from messages where user_id = ${u.userId}::uuid`.execute(rt.database.db);
    expect(rows.rows[0].n).toBe(0);
  });
});
