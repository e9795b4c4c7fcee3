import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.ts';
import { listen } from '../../helpers/http.ts';

/**
 * Early refusals (a 413 before the body is read, a 401 or 415 that never looks at it) on a
 * kept-alive socket: the gateway either says `Connection: close` and closes, or reads the body
 * and keeps the socket usable. Either way the client's next request on its agent must work.
 */
let rt: TestRuntime;
let server: { url: string; close(): Promise<void> };
let token: string;
const LIMIT = 4096;

beforeAll(async () => {
  rt = await createTestRuntime({ MAX_BODY_BYTES: String(LIMIT) });
  server = await listen(rt);
  token = (await rt.signup()).token;
});
afterAll(async () => {
  await server?.close();
  await rt?.destroy();
});

interface Reply {
  status: number;
  connection: string | undefined;
  body: string;
  socketId: number;
}

let nextSocketId = 0;
const ids = new WeakMap<object, number>();

function request(agent: http.Agent, method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const u = new URL(path, server.url);
    const req = http.request({ agent, method, host: u.hostname, port: u.port, path: u.pathname, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body: Buffer.concat(chunks).toString('utf8'), socketId: ids.get(req.socket!)! }));
      res.on('error', reject);
    });
    req.on('socket', (s) => {
      if (!ids.has(s)) ids.set(s, nextSocketId++);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const big = Buffer.alloc(LIMIT * 64, 'a'); // 256 KiB: more than the kernel buffers and the drain takes in one go

describe('early refusals on a kept-alive connection', () => {
  const cases: { name: string; send: () => [string, string, Record<string, string>, Buffer] }[] = [
    { name: '413 for a JSON body over the limit (Content-Length)', send: () => ['POST', '/api/vault/items', { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': String(big.length) }, big] },
    { name: '413 for a chunked JSON body over the limit', send: () => ['POST', '/api/vault/items', { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, big] },
    { name: '401 for a body sent without credentials', send: () => ['POST', '/api/vault/items', { 'content-type': 'application/json', 'content-length': String(LIMIT - 1) }, big.subarray(0, LIMIT - 1)] },
    { name: '415 for a body of the wrong media type', send: () => ['POST', '/api/vault/items', { authorization: `Bearer ${token}`, 'content-type': 'text/plain', 'content-length': String(LIMIT - 1) }, big.subarray(0, LIMIT - 1)] },
  ];

  for (const c of cases) {
    it(`${c.name}: the next request on the same agent works`, async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const [method, path, headers, body] = c.send();
        const first = await request(agent, method, path, headers, body);
        expect(first.status).toBeGreaterThanOrEqual(400);
        expect(JSON.parse(first.body).error.code).toMatch(/payload_too_large|unauthorized|unsupported_media_type/);
        // The refusal must not promise a connection it then drops.
        expect(first.connection).toBe('close');
        const second = await request(agent, 'GET', '/api/me', { authorization: `Bearer ${token}` });
        expect(second.status).toBe(200);
        expect(second.socketId).not.toBe(first.socketId);
      } finally {
        agent.destroy();
      }
    });
  }

  it('a request whose body was read keeps its connection for the next one', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const body = JSON.stringify({ kind: 'note', title: 'kept alive' });
      const first = await request(agent, 'POST', '/api/vault/items', { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }, body);
      expect(first.status).toBe(201);
      expect(first.connection).toBe('keep-alive');
      const second = await request(agent, 'GET', '/api/me', { authorization: `Bearer ${token}` });
      expect(second.status).toBe(200);
      expect(second.socketId).toBe(first.socketId);
    } finally {
      agent.destroy();
    }
  });

  it('nothing of a refused body was stored', async () => {
    const list = await rt.api('GET', '/api/vault/items', { token });
    expect(list.body.items.map((i: { title: string }) => i.title)).toEqual(['kept alive']);
  });
});
