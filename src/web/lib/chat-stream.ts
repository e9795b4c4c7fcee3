import { createParser } from 'eventsource-parser';
import { ApiError, csrfHeaders, errorFrom } from './api.ts';
import type { ContextItem } from './types.ts';

/** What the chat screen hears while an answer streams. */
export interface ChatStreamHandlers {
  /** The records sent to the model, in citation order ([1] is items[0]); `notice` says why there are none. */
  onContext(items: ContextItem[], meta: { conversationId?: string; notice?: string; absent?: string[] }): void;
  onToken(text: string): void;
  /** `cited`: ids of the records the answer actually cites. */
  onDone(done: { conversationId?: string; messageId?: string; usage?: unknown; cited?: string[] }): void;
}

/**
 * Sends a question to `POST /api/chat` and reads its `text/event-stream` answer.
 * EventSource cannot POST, so this reads the fetch body through eventsource-parser.
 * Aborting `signal` cancels the request; the gateway then stops generation.
 * Rejects with ApiError for an error status or an `error` event, and with an AbortError when stopped.
 */
export async function streamChat(
  body: { message: string; conversationId?: string },
  handlers: ChatStreamHandlers,
  signal: AbortSignal,
): Promise<void> {
  let res: Response;
  try {
    res = await fetch('/api/chat', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream', ...csrfHeaders() },
      body: JSON.stringify(body),
      signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection and try again.');
  }
  if (!res.ok) throw await errorFrom(res);
  if (!res.body) throw new ApiError(res.status, 'bad_stream', 'The server sent an empty answer.');

  let failure: ApiError | DOMException | undefined;
  let finished = false;
  const parser = createParser({
    onEvent(ev) {
      let data: any;
      try {
        data = ev.data ? JSON.parse(ev.data) : {};
      } catch {
        return; // A malformed event is skipped rather than ending a good answer.
      }
      switch (ev.event) {
        case 'context':
          handlers.onContext(Array.isArray(data?.items) ? data.items : [], { conversationId: data?.conversationId, notice: data?.notice, absent: Array.isArray(data?.absent) ? data.absent.filter((a: unknown) => typeof a === 'string') : undefined });
          break;
        case 'token':
          if (typeof data?.text === 'string') handlers.onToken(data.text);
          break;
        case 'done':
          finished = true;
          handlers.onDone(data ?? {});
          break;
        case 'error':
          // The server ends a stopped generation with code `aborted`: report it as a stop, not a failure.
          failure =
            data?.code === 'aborted'
              ? new DOMException('The answer was stopped.', 'AbortError')
              : new ApiError(200, String(data?.code ?? 'stream_error'), String(data?.message ?? 'The answer stopped with an error.'), data?.retryAfter);
          break;
      }
    },
  });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(value);
      if (failure) break;
    }
  } finally {
    // After an error event the rest of the stream is of no use: close it so the server stops.
    if (failure) await reader.cancel().catch(() => undefined);
  }
  if (failure) throw failure;
  if (!finished) throw new ApiError(0, 'stream_interrupted', 'The answer was cut off. Try again.');
}
