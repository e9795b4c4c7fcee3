import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpFetch } from './http-fetch.ts';

// A real HTTP server with the behaviours a model server shows: streamed answers, answers that
// stop halfway, answers that never end.
let server: http.Server;
let base: string;
const seen: { method?: string; body: string; contentType?: string; port?: number }[] = [];
let releaseSlow: (() => void) | undefined;
let silentClosed: Promise<void> | undefined;
let holdClosed: Promise<void> | undefined;
let heldNow: (() => void) | undefined;
const held = new Promise<void>((r) => (heldNow = r));

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ method: req.method, body, contentType: req.headers['content-type'], port: req.socket.remotePort });
      if (req.url === '/stream') {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.write('{"n":1}\n');
        // The second line only once the test has read the first: proves it arrived alone.
        releaseSlow = () => res.end('{"n":2}\n');
      } else if (req.url === '/hold') {
        // Headers never come: the abort arrives before the answer.
        holdClosed = new Promise((r) => res.once('close', () => r()));
        heldNow?.();
      } else if (req.url === '/cut') {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.write('{"n":1}\n');
        setTimeout(() => res.socket?.destroy(), 20);
      } else if (req.url === '/silent') {
        silentClosed = new Promise((r) => res.once('close', () => r()));
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.write('{"n":1}\n');
      } else if (req.url === '/missing') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":"model not found"}');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ echo: body }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function readLine(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  const { value, done } = await reader.read();
  if (done) throw new Error('ended');
  return Buffer.from(value).toString();
}

describe('httpFetch (the model client transport)', () => {
  it('sends the body and headers and reuses the kept-alive connection', async () => {
    const body = JSON.stringify({ text: 'blood pressure 120/80 — gemessen' });
    const a = await httpFetch(`${base}/echo`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toBe('application/json');
    expect(await a.json()).toEqual({ echo: body });
    const b = await httpFetch(new URL(`${base}/echo`), { method: 'POST', body: 'second' });
    expect(await b.json()).toEqual({ echo: 'second' });
    const [first, second] = seen.slice(-2);
    expect(first.method).toBe('POST');
    expect(first.contentType).toBe('application/json');
    expect(second.port).toBe(first.port);
  });

  it('streams the answer: a line is readable before the server has finished', async () => {
    const res = await httpFetch(`${base}/stream`, { method: 'POST', body: '{}' });
    const reader = res.body!.getReader();
    expect(await readLine(reader)).toBe('{"n":1}\n');
    releaseSlow!();
    expect(await readLine(reader)).toBe('{"n":2}\n');
    expect((await reader.read()).done).toBe(true);
  });

  it('an error status comes back as a response, as fetch does', async () => {
    const res = await httpFetch(`${base}/missing`, { method: 'POST', body: '{}' });
    expect(res.ok).toBe(false);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'model not found' });
  });

  it('an abort during the answer ends the read with the abort reason and closes the connection', async () => {
    const controller = new AbortController();
    const other = new AbortController();
    const res = await httpFetch(`${base}/silent`, { method: 'POST', body: '{}', signal: controller.signal, signals: [other.signal] });
    const reader = res.body!.getReader();
    await readLine(reader);
    other.abort(new Error('stopped by the user'));
    await expect(reader.read()).rejects.toThrow('stopped by the user');
    await silentClosed; // the server sees the connection go (the model stops generating)
  });

  it('an abort before the answer rejects the call with the reason', async () => {
    const controller = new AbortController();
    const pending = httpFetch(`${base}/hold`, { method: 'POST', body: '{}', signal: controller.signal });
    await held;
    controller.abort(new Error('client disconnected'));
    await expect(pending).rejects.toThrow('client disconnected');
    await holdClosed; // the request does not linger on the server
    const already = AbortSignal.abort(new Error('too late'));
    await expect(httpFetch(`${base}/echo`, { signal: already })).rejects.toThrow('too late');
  });

  it('a connection cut mid-answer fails the read like fetch ("terminated")', async () => {
    const res = await httpFetch(`${base}/cut`, { method: 'POST', body: '{}' });
    const reader = res.body!.getReader();
    expect(await readLine(reader)).toBe('{"n":1}\n');
    await expect(reader.read()).rejects.toMatchObject({ name: 'TypeError', message: 'terminated' });
  });

  it('an unreachable server fails like fetch (TypeError "fetch failed" with the cause)', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = await httpFetch(`http://127.0.0.1:${port}/api/chat`, { method: 'POST', body: '{}' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as TypeError).message).toBe('fetch failed');
    expect(((err as TypeError).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });
});
