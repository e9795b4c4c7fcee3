import { serve, type ServerType } from '@hono/node-server';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { TestRuntime } from './runtime.ts';

/** Serves a test runtime over real HTTP on 127.0.0.1 (for streaming, disconnects, browsers). */
export async function listen(rt: TestRuntime): Promise<{ url: string; close(): Promise<void> }> {
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: rt.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export interface SseEvent {
  event: string;
  data: any;
}

/**
 * POSTs to an SSE endpoint and parses the stream with eventsource-parser, as a client would.
 * `onEvent` may return 'abort' to disconnect mid-stream.
 */
export async function postSse(url: string, token: string, body: unknown, onEvent?: (e: SseEvent, all: SseEvent[]) => 'abort' | void): Promise<{ status: number; events: SseEvent[]; json?: any; headers: Headers }> {
  const controller = new AbortController();
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body), signal: controller.signal });
  if (!res.headers.get('content-type')?.includes('text/event-stream')) return { status: res.status, events: [], json: await res.json(), headers: res.headers };
  const events: SseEvent[] = [];
  let stop = false;
  const parser = createParser({
    onEvent(m: EventSourceMessage) {
      const e = { event: m.event ?? 'message', data: m.data === '[DONE]' ? m.data : JSON.parse(m.data) };
      events.push(e);
      if (onEvent?.(e, events) === 'abort') stop = true;
    },
  });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      if (stop) {
        controller.abort();
        break;
      }
    }
  } catch (e) {
    if (!stop) throw e;
  }
  return { status: res.status, events, headers: res.headers };
}
