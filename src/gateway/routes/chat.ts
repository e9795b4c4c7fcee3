import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { AppEnv } from '../context.ts';
import { requireAuth } from '../auth-middleware.ts';
import { idParam, readJson } from '../validate.ts';

/** Longer than any question a person types; a pasted letter still fits. */
export const MAX_QUESTION_CHARS = 20_000;

const chatBody = z
  .object({
    // An empty or very long question is answered, never refused: retrieval reads its first 2,000
    // characters, and a question with nothing to look for gets no records.
    message: z.string().max(MAX_QUESTION_CHARS, `a question is at most ${MAX_QUESTION_CHARS} characters`),
    conversationId: z.string().uuid().optional(),
  })
  .strict();
const stopBody = z.object({ conversationId: z.string().uuid() }).strict();

/**
 * POST /api/chat streams Server-Sent Events: `context` (the cited items), `token`s, then
 * `done` or `error`. Errors before the stream (validation, 503 pool busy) are plain JSON.
 */
export function chatRoutes() {
  const app = new Hono<AppEnv>();
  // Hono's `/x/*` also matches `/x`: one pattern per prefix, so a request is authenticated once.
  for (const path of ['/chat/*', '/conversations/*']) app.use(path, requireAuth());

  app.post('/chat', async (c) => {
    const body = await readJson(c, chatBody);
    const userId = c.var.principal.userId;
    const prepared = await c.var.deps.chat.prepare(userId, body, c.req.raw.signal);
    c.header('Cache-Control', 'no-store');
    c.header('X-Accel-Buffering', 'no');
    return streamSSE(c, async (stream) => {
      stream.onAbort(() => prepared.abort('client disconnected'));
      await stream.writeSSE({ event: 'context', data: JSON.stringify({ conversationId: prepared.conversationId, items: prepared.context, sections: prepared.sections, ...(prepared.notice ? { notice: prepared.notice } : {}), ...(prepared.absent.length ? { absent: prepared.absent } : {}) }) });
      for await (const ev of prepared.run()) {
        if (stream.aborted) {
          prepared.abort('client disconnected');
          continue;
        }
        if (ev.type === 'token') await stream.writeSSE({ event: 'token', data: JSON.stringify({ text: ev.text }) });
        else if (ev.type === 'done') await stream.writeSSE({ event: 'done', data: JSON.stringify({ conversationId: ev.conversationId, messageId: ev.messageId, usage: ev.usage, cited: ev.cited }) });
        else await stream.writeSSE({ event: 'error', data: JSON.stringify({ code: ev.code, message: ev.message, conversationId: ev.conversationId, messageId: ev.messageId }) });
      }
    });
  });

  app.post('/chat/stop', async (c) => {
    const body = await readJson(c, stopBody);
    c.var.deps.chat.stop(c.var.principal.userId, body.conversationId);
    return c.body(null, 204);
  });

  app.get('/conversations', async (c) => c.json({ conversations: await c.var.deps.conversations.list(c.var.principal.userId) }));
  app.get('/conversations/:id', async (c) => c.json(await c.var.deps.conversations.get(c.var.principal.userId, idParam(c))));

  return app;
}
