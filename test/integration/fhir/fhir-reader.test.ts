import { afterEach, describe, expect, it } from 'vitest';
import { FhirHttpError, FhirReader } from '../../../src/connectors/fhir/fhir-reader.ts';
import { listenLoopback } from './support/listen.ts';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function server(answer: (n: number, auth: string | undefined) => { status: number; headers?: Record<string, string>; body?: unknown }) {
  const http = await listenLoopback();
  let n = 0;
  http.setHandler((req, res) => {
    const a = answer(++n, req.headers.authorization);
    res.writeHead(a.status, { 'content-type': 'application/fhir+json', ...(a.headers ?? {}) });
    res.end(a.body === undefined ? '' : JSON.stringify(a.body));
  });
  close = http.close;
  return { base: `${http.url}/fhir`, count: () => n };
}

const tokens = () => {
  const t = { refreshes: 0, current: async () => 'tok-0', refresh: async () => `tok-${++t.refreshes}` };
  return t;
};

describe('FhirReader against misbehaving servers', () => {
  it('stops when the token is refused even after a refresh', async () => {
    const s = await server(() => ({ status: 401 }));
    const t = tokens();
    const reader = new FhirReader({ baseUrl: s.base, tokens: t });
    await expect(reader.read('Patient', 'p1')).rejects.toThrow(/refuses the access token even after a refresh/);
    expect(t.refreshes).toBe(1);
    expect(s.count()).toBe(2);
  });

  it('gives up on a server that stays at 503 after its retries', async () => {
    const s = await server(() => ({ status: 503 }));
    const slept: number[] = [];
    const reader = new FhirReader({ baseUrl: s.base, tokens: tokens(), maxRetries: 3, sleep: async (ms) => void slept.push(ms) });
    const err = await reader.read('Patient', 'p1').catch((e) => e);
    expect(err).toBeInstanceOf(FhirHttpError);
    expect(err.status).toBe(503);
    expect(err.message).not.toContain('p1');
    expect(s.count()).toBe(4);
    // Exponential backoff: each wait longer than the one before.
    expect(slept).toHaveLength(3);
    expect(slept[1]).toBeGreaterThan(slept[0]);
    expect(slept[2]).toBeGreaterThan(slept[1]);
  });

  it('honours a Retry-After date and sends the refreshed token after a 401', async () => {
    const seen: (string | undefined)[] = [];
    const s = await server((n, auth) => {
      seen.push(auth);
      if (n === 1) return { status: 429, headers: { 'retry-after': new Date(Date.now() + 2000).toUTCString() } };
      if (n === 2) return { status: 401 };
      return { status: 200, body: { resourceType: 'Patient', id: 'p1' } };
    });
    const slept: number[] = [];
    const reader = new FhirReader({ baseUrl: s.base, tokens: tokens(), sleep: async (ms) => void slept.push(ms) });
    expect(await reader.read('Patient', 'p1')).toEqual({ resourceType: 'Patient', id: 'p1' });
    expect(slept).toHaveLength(1);
    expect(slept[0]).toBeGreaterThan(500);
    expect(slept[0]).toBeLessThanOrEqual(2000);
    expect(seen).toEqual(['Bearer tok-0', 'Bearer tok-0', 'Bearer tok-1']);
    expect(reader.requests).toBe(3);
  });
});
