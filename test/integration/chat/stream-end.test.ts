import { createServer, request, type Server } from 'node:http';
import type { ChatChunk, ModelLease, ModelPool, PoolHealth } from '../../../src/pool/model-pool.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { startTestModel, type TestModelServer } from '../../helpers/test-model.ts';
import { listen, postSse } from '../../helpers/http.ts';

/**
 * A model stream that ends cleanly but without Ollama's final `done` chunk (a proxy or a dying
 * container cut it short) is a failed answer, not a complete one. Through the real Ollama
 * client (a real HTTP proxy in front of the test model server drops the `done` line of chats
 * whose question holds [[cut]]), and through a lease that simply stops yielding: the chat
 * service itself must not take such a stream for a finished answer, whatever the lease does.
 */
let model: TestModelServer;
let proxy: Server;
let rt: TestRuntime;
let http: { url: string; close(): Promise<void> };

function startCuttingProxy(target: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const cut = req.url === '/api/chat' && body.includes('[[cut]]');
      const up = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        let pending = '';
        upRes.on('data', (d: Buffer) => {
          if (!cut) return void res.write(d);
          pending += d.toString();
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) if (!/"done":true/.test(line)) res.write(`${line}\n`);
        });
        upRes.on('end', () => res.end(cut && /"done":true/.test(pending) ? '' : pending));
      });
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    resolve({ server, url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}` });
  }));
}

beforeAll(async () => {
  model = await startTestModel({ TEST_MODEL_TOKEN_DELAY_MS: '1' });
  const p = await startCuttingProxy(model.url);
  proxy = p.server;
  rt = await createTestRuntime({ MODEL_BACKEND: 'external', OLLAMA_URL: p.url });
  http = await listen(rt);
});
afterAll(async () => {
  await http?.close();
  await rt?.destroy();
  await new Promise((r) => proxy?.close(r));
  await model?.stop();
});

/** A pool whose leases stream three tokens and then end without a `done` chunk. */
class TruncatingPool implements ModelPool {
  readonly backend = 'external' as const;
  released: string[] = [];
  async start(): Promise<void> {}
  async lease(userId: string): Promise<ModelLease> {
    const pool = this;
    return {
      id: 'truncating',
      userId,
      async *chat(): AsyncIterable<ChatChunk> {
        for (const text of ['Your ', 'ferritin ', 'is ']) yield { text, done: false };
      },
      async embed() {
        throw new Error('no embeddings here');
      },
      async release(outcome = 'ok') {
        pool.released.push(outcome);
      },
      async [Symbol.asyncDispose]() {},
    };
  }
  async health(): Promise<PoolHealth> {
    return { ok: true, backend: 'external', ephemeral: false, warm: 1, busy: 0, starting: 0, queued: 0, chatModel: { name: 'x', present: true }, embedModel: { name: 'y', present: true } };
  }
  async close(): Promise<void> {}
}

describe('a model stream without its final chunk', () => {
  it('from any lease: model_failed, stored as error, the container reported failed', async () => {
    const pool = new TruncatingPool();
    const rt2 = await createTestRuntime({}, { pool });
    const http2 = await listen(rt2);
    try {
      const u = await rt2.signup();
      await rt2.api('POST', '/api/vault/items', { token: u.token, body: { kind: 'note', title: 'Ferritin', text: 'ferritin 40 ug/L', permissions: { shareWithAi: true } } });
      const r = await postSse(`${http2.url}/api/chat`, u.token, { message: 'my ferritin' });
      const last = r.events.at(-1)!;
      expect(last.event).toBe('error');
      expect(last.data.code).toBe('model_failed');
      const conv = await rt2.api('GET', `/api/conversations/${last.data.conversationId}`, { token: u.token });
      expect(conv.body.messages[1]).toMatchObject({ role: 'assistant', status: 'error', content: 'Your ferritin is ' });
      expect(pool.released.at(-1)).toBe('failed');
    } finally {
      await http2.close();
      await rt2.destroy();
    }
  });

  it('through the Ollama client: model_failed error and the partial answer is stored with status error', async () => {
    const u = await rt.signup();
    const item = await rt.api('POST', '/api/vault/items', { token: u.token, body: { kind: 'note', title: 'Ferritin', text: 'ferritin 40 ug/L', permissions: { shareWithAi: true } } });
    expect(item.status).toBe(201);
    const r = await postSse(`${http.url}/api/chat`, u.token, { message: 'my ferritin [[cut]]' });
    expect(r.events.filter((e) => e.event === 'token').length).toBeGreaterThan(2);
    const last = r.events.at(-1)!;
    expect(last.event).toBe('error');
    expect(last.data.code).toBe('model_failed');
    const conv = await rt.api('GET', `/api/conversations/${last.data.conversationId}`, { token: u.token });
    expect(conv.body.messages[1]).toMatchObject({ role: 'assistant', status: 'error' });
    expect(conv.body.messages[1].content).toContain('ferritin');
  });

  it('the same answer with its final chunk is complete', async () => {
    const u = await rt.signup();
    await rt.api('POST', '/api/vault/items', { token: u.token, body: { kind: 'note', title: 'Ferritin', text: 'ferritin 40 ug/L', permissions: { shareWithAi: true } } });
    const r = await postSse(`${http.url}/api/chat`, u.token, { message: 'my ferritin' });
    expect(r.events.at(-1)?.event).toBe('done');
  });
});
