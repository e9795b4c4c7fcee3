import { createParser } from 'eventsource-parser';

/**
 * The bench's only way into the gateway: its public HTTP API (README "API overview"), with a
 * bearer token, as any client would use it.
 */
export class ApiClient {
  constructor(readonly base: string, private token = '') {}

  async json(method: string, path: string, body?: unknown, raw?: string): Promise<any> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), 'content-type': 'application/json' },
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await res.text();
    const parsed = text ? JSON.parse(text) : null;
    if (!res.ok) throw new Error(`${method} ${path.split('?')[0]} answered ${res.status}: ${parsed?.error?.code ?? ''}`);
    return parsed;
  }

  async signup(email: string, password: string): Promise<void> {
    const r = await this.json('POST', '/api/auth/signup', { email, password });
    this.token = r.token;
  }

  /** Imports a Bundle and waits for its job; returns the job's final state. */
  async importBundle(bundle: unknown): Promise<any> {
    const { jobId } = await this.json('POST', '/api/imports/fhir-bundle', undefined, JSON.stringify(bundle));
    return this.waitJob(jobId);
  }

  async waitJob(jobId: string, timeoutMs = 120_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.json('GET', `/api/jobs/${jobId}`);
      if (job.status === 'succeeded') return job;
      if (job.status === 'failed') throw new Error(`job ${job.type} failed: ${job.error ?? ''}`);
      if (Date.now() > deadline) throw new Error(`job ${job.type} still ${job.status} after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  /** Waits until no job of this user is queued or running (the embedding job follows an import). */
  async settle(timeoutMs = 180_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let quiet = 0;
    while (quiet < 3) {
      const { jobs } = await this.json('GET', '/api/jobs');
      const busy = (jobs as any[]).some((j) => j.status === 'queued' || j.status === 'running');
      quiet = busy ? 0 : quiet + 1;
      if (Date.now() > deadline) throw new Error('jobs did not finish in time');
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Every item of a source, as `sourceId → item` (paging through `nextCursor`). */
  async itemsBySourceId(source: string): Promise<Map<string, { id: string; kind: string; title: string; sourceId: string; sensitivity: string }>> {
    const out = new Map();
    let cursor = '';
    do {
      const page = await this.json('GET', `/api/vault/items?source=${encodeURIComponent(source)}&limit=500&cursor=${encodeURIComponent(cursor)}`);
      for (const it of page.items) out.set(it.sourceId, it);
      cursor = page.nextCursor ?? '';
    } while (cursor);
    return out;
  }

  /**
   * Asks a question; `status` is the HTTP status, `context` the SSE context event, `errorEvent`
   * an SSE error event (both kinds of failure count against the gateway).
   */
  async chat(message: string, conversationId?: string): Promise<{ status: number; context?: any; errorEvent?: any; body?: any }> {
    const res = await fetch(`${this.base}/api/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message, ...(conversationId ? { conversationId } : {}) }),
    });
    if (!res.headers.get('content-type')?.includes('text/event-stream')) return { status: res.status, body: await res.json().catch(() => null) };
    let context: any;
    let errorEvent: any;
    const parser = createParser({
      onEvent(m) {
        if (m.event === 'context') context = JSON.parse(m.data);
        if (m.event === 'error') errorEvent = JSON.parse(m.data);
      },
    });
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
    return { status: res.status, context, errorEvent };
  }
}
