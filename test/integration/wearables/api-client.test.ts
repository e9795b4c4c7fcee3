import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { ApiClient } from '../../../src/connectors/wearable-api/api-client.ts';

/** A real HTTP server playing a wearable API that fails in the ways real ones do. */
let server: Server;
let base: string;
const script: ((res: import('node:http').ServerResponse) => void)[] = [];
let hits = 0;

beforeAll(async () => {
  server = createServer((_req, res) => {
    hits++;
    const next = script.shift();
    if (next) return next(res);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[1]}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const status = (n: number) => (res: import('node:http').ServerResponse) => res.writeHead(n).end('{"detail":"x"}');
const hang = () => () => undefined; // never answers
const client = (o: ConstructorParameters<typeof ApiClient>[2] = {}) => new ApiClient(base, async () => 'token', { requestTimeoutMs: 300, maxAttempts: 3, ...o });

describe('ApiClient', () => {
  it('retries 500, 502 and 504 with backoff, then succeeds', async () => {
    hits = 0;
    script.push(status(502), status(500), status(504));
    const c = client({ maxAttempts: 4 });
    expect(await c.get('v2/x')).toEqual({ data: [1] });
    expect(hits).toBe(4);
    expect(c.retries).toBe(3);
  });

  it('gives up after maxAttempts server errors with the status in the message', async () => {
    script.push(status(500), status(500), status(500));
    await expect(client().get('v2/x')).rejects.toThrow(/answered 500/);
  });

  it('a request that hangs times out and is retried; a hung API cannot keep a job forever', async () => {
    hits = 0;
    script.push(hang());
    expect(await client().get('v2/x')).toEqual({ data: [1] });
    expect(hits).toBe(2);
    script.push(hang(), hang(), hang());
    const t0 = Date.now();
    await expect(client().get('v2/x')).rejects.toThrow(/did not answer within/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it("the job's own signal still stops it at once", async () => {
    script.push(hang());
    const ctl = new AbortController();
    const p = client({ signal: ctl.signal, requestTimeoutMs: 60_000 }).get('v2/x');
    setTimeout(() => ctl.abort(new Error('cancelled')), 100);
    await expect(p).rejects.toThrow('cancelled');
  });

  it('a 4xx other than 401/429 is not retried', async () => {
    hits = 0;
    script.push(status(400));
    await expect(client().get('v2/x')).rejects.toThrow(/answered 400/);
    expect(hits).toBe(1);
  });
});
