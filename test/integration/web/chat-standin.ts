import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { AppEnv } from '../../../src/gateway/context.ts';
import { requireAuth } from '../../../src/gateway/auth-middleware.ts';
import { ServiceUnavailableError } from '../../../src/errors.ts';

/**
 * A stand-in for the chat routes (POST /api/chat, GET /api/conversations[/:id]) that follows
 * DESIGN.md's contract, used by the client test only while the real chat (src/retrieval) is not
 * merged into this branch. It reads the real vault (only records the person shared with the AI),
 * records a real disclosure, and streams a deterministic answer citing them.
 * Switches in the message: [[slow]] streams slowly, [[busy]] answers 503 pool_saturated with
 * Retry-After, [[nomodel]] answers 503 model_unavailable.
 */
export function chatStandIn(log: { aborted: number }) {
  const app = new Hono<AppEnv>();
  const conversations = new Map<string, { id: string; userId: string; title: string; updatedAt: string; messages: unknown[] }>();
  app.use('*', requireAuth());

  app.post('/chat', async (c) => {
    const { message, conversationId } = (await c.req.json()) as { message: string; conversationId?: string };
    if (message.includes('[[busy]]')) throw new ServiceUnavailableError('pool_saturated', 'All model containers are busy.', 3);
    if (message.includes('[[nomodel]]')) throw new ServiceUnavailableError('model_unavailable', 'No model backend is available.');
    const userId = c.var.principal.userId;
    const { items, audit } = c.var.deps;
    const words = new Set(message.toLowerCase().split(/\W+/).filter((w) => w.length > 3));
    const shared = (await items.list(userId, { shared: 'ai', limit: 100 })).items;
    const cited = shared.filter((it) => it.title.toLowerCase().split(/\W+/).some((w) => words.has(w)));
    const id = conversationId ?? randomUUID();
    const conv = conversations.get(id) ?? { id, userId, title: message.slice(0, 60), updatedAt: '', messages: [] };
    conversations.set(id, conv);
    if (cited.length) await audit.recordDisclosure({ userId, conversationId: id, model: 'stand-in', purpose: 'chat', itemIds: cited.map((i) => i.id) });
    const context = cited.map((i) => ({ id: i.id, title: i.title, kind: i.kind, effectiveAt: i.effectiveAt }));
    const answer = cited.length
      ? `From your records: ${cited.map((it, n) => `**${it.title}** [${n + 1}]`).join(', ')}.${message.includes('[[slow]]') ? ' More words follow.'.repeat(200) : ''}`
      : 'I found nothing in the records you shared that answers this.';
    const delay = message.includes('[[slow]]') ? 40 : 2;
    return streamSSE(c, async (stream) => {
      let aborted = false;
      stream.onAbort(() => {
        aborted = true;
        log.aborted++;
      });
      await stream.writeSSE({ event: 'context', data: JSON.stringify({ items: context }) });
      for (const token of answer.match(/\S+\s*/g) ?? []) {
        if (aborted) return;
        await stream.writeSSE({ event: 'token', data: JSON.stringify({ text: token }) });
        await stream.sleep(delay);
      }
      const messageId = randomUUID();
      conv.messages.push({ role: 'user', text: message }, { id: messageId, role: 'assistant', text: answer, context });
      conv.updatedAt = new Date().toISOString();
      await stream.writeSSE({ event: 'done', data: JSON.stringify({ conversationId: id, messageId, usage: {} }) });
    });
  });

  app.get('/conversations', (c) =>
    c.json({ conversations: [...conversations.values()].filter((v) => v.userId === c.var.principal.userId).map(({ id, title, updatedAt }) => ({ id, title, updatedAt })) }),
  );
  app.get('/conversations/:id', (c) => {
    const conv = conversations.get(c.req.param('id'));
    if (!conv || conv.userId !== c.var.principal.userId) return c.json({ error: { code: 'not_found', message: 'No such conversation.' } }, 404);
    return c.json({ id: conv.id, title: conv.title, messages: conv.messages });
  });
  return app;
}
