import { createServer, request, type Server } from 'node:http';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { startTestModel, type TestModelServer } from '../../helpers/test-model.ts';
import { countEmbeddings } from '../../../src/db/embeddings.ts';

/**
 * Items shared while the model backend is down are embedded once it is back, by the periodic
 * sweep and without any new change by the person. The external backend talks to the test model
 * server through a real HTTP proxy that the test switches off (connections dropped) and on.
 */
let model: TestModelServer;
let proxy: Server;
let down = true;
let rt: TestRuntime;

function startSwitchProxy(target: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (down) return void req.socket.destroy();
    const up = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve({ server, url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}` });
    }),
  );
}

async function settle() {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 50));
    await rt.deps.jobs.whenIdle();
  }
}

beforeAll(async () => {
  model = await startTestModel();
  const p = await startSwitchProxy(model.url);
  proxy = p.server;
  rt = await createTestRuntime({ MODEL_BACKEND: 'external', OLLAMA_URL: p.url });
  await rt.deps.jobs.start();
});
afterAll(async () => {
  await rt?.destroy();
  await new Promise((r) => proxy?.close(r));
  await model?.stop();
});

describe.runIf(!process.env.TEST_DATABASE_URL)('embeddings after a backend outage', () => {
  it('items shared while the backend is down are embedded by the sweep once it is back, after the backoff', async () => {
    const u = await rt.signup();
    const r = await rt.api('POST', '/api/vault/items', { token: u.token, body: { kind: 'note', title: 'Iron', text: 'ferritin 40 ug/L', permissions: { shareWithAi: true } } });
    expect(r.status).toBe(201);
    await settle();
    expect(Number((await countEmbeddings(rt.deps.db, u.userId)).n)).toBe(0);

    // Still down: a sweep within the backoff does not even try.
    await model.clearRequests();
    await rt.deps.embeddings.sweep();
    await settle();
    expect(Number((await countEmbeddings(rt.deps.db, u.userId)).n)).toBe(0);

    // Back up, and the backoff (at most ten minutes) has passed.
    down = false;
    await rt.deps.embeddings.sweep(Date.now());
    await settle();
    expect(Number((await countEmbeddings(rt.deps.db, u.userId)).n)).toBe(0);
    await rt.deps.embeddings.sweep(Date.now() + 11 * 60_000);
    await settle();
    expect(Number((await countEmbeddings(rt.deps.db, u.userId)).n)).toBe(1);
    expect((await model.requests()).some((x) => x.kind === 'embed' && JSON.stringify(x.body).includes('ferritin'))).toBe(true);
  });

  it('the sweep follows expiries since the last sweep: a rule that expires drops embeddings, a "do not share" that expires adds them', async () => {
    down = false;
    const u = await rt.signup();
    // Expiries an hour ahead, then moved to "now" in the database: time passing, without any event.
    const later = new Date(Date.now() + 3600_000).toISOString();
    const rule = await rt.api('POST', '/api/vault/rules', { token: u.token, body: { kind: 'note', tag: 'shortrule', shareWithAi: true, expiresAt: later } });
    expect(rule.status).toBe(201);
    const viaRule = await rt.api('POST', '/api/vault/items', { token: u.token, body: { kind: 'note', title: 'Rule shared', text: 'zinc level', tags: ['shortrule'] } });
    await rt.api('POST', '/api/vault/rules', { token: u.token, body: { kind: 'note', tag: 'later', shareWithAi: true } });
    const held = await rt.api('POST', '/api/vault/items', { token: u.token, body: { kind: 'note', title: 'Held back', text: 'copper level', tags: ['later'], permissions: { shareWithAi: false, expiresAt: later } } });
    await settle();
    const embedded = async () => (await rt.deps.db.selectFrom('item_embeddings').select('item_id').where('user_id', '=', u.userId).execute()).map((r) => r.item_id);
    expect(await embedded()).toEqual([viaRule.body.id]);
    await rt.deps.embeddings.sweep();
    await sql`update sharing_rules set expires_at = now() where id = ${rule.body.id}`.execute(rt.deps.db);
    await sql`update items set expires_at = now() where id = ${held.body.id}`.execute(rt.deps.db);
    expect(await rt.deps.embeddings.sweep()).toBe(1);
    await settle();
    expect(await embedded()).toEqual([held.body.id]);
  });
});
