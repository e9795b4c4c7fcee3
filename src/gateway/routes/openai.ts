import { MAX_QUESTION_CHARS } from './chat.ts';
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { AppEnv } from '../context.ts';
import { requireAuth } from '../auth-middleware.ts';
import { readJson } from '../validate.ts';
import { ValidationError } from '../../errors.ts';

const messageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant', 'developer', 'tool']),
  content: z.union([z.string(), z.array(z.object({ type: z.string(), text: z.string().optional() }).passthrough()), z.null()]),
}).passthrough();

// Clients send many optional OpenAI fields; they are accepted and ignored, not refused.
const completionBody = z
  .object({
    model: z.string().max(200).optional(),
    messages: z.array(messageSchema).min(1).max(200),
    stream: z.boolean().optional(),
  })
  .passthrough();

const text = (c: z.infer<typeof messageSchema>['content']) =>
  typeof c === 'string' ? c : Array.isArray(c) ? c.map((p) => p.text ?? '').join('') : '';

/**
 * OpenAI-compatible chat for existing clients, authenticated by a personal API token and
 * answered through the same retrieval and permission path as /api/chat. Client-supplied
 * system messages are dropped: the vault's own system prompt and record fence always apply.
 */
export function openAiRoutes() {
  const app = new Hono<AppEnv>();
  app.use('*', requireAuth(['api_token', 'session']));

  app.get('/models', (c) => {
    const model = c.var.deps.config.CHAT_MODEL;
    return c.json({ object: 'list', data: [{ id: model, object: 'model', created: 0, owned_by: 'context-vault' }] });
  });

  app.post('/chat/completions', async (c) => {
    const body = await readJson(c, completionBody);
    const turns = body.messages.filter((m) => m.role === 'user' || m.role === 'assistant').map((m) => ({ role: m.role as 'user' | 'assistant', content: text(m.content) }));
    const last = turns[turns.length - 1];
    if (!last || last.role !== 'user' || !last.content.trim()) throw new ValidationError('The last message must be a non-empty user message.');
    const { deps } = c.var;
    const prepared = await deps.chat.prepare(c.var.principal.userId, { message: last.content.slice(0, MAX_QUESTION_CHARS), history: turns.slice(0, -1), origin: 'api' }, c.req.raw.signal);
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const model = deps.config.CHAT_MODEL;
    const vault = { conversation_id: prepared.conversationId, context: prepared.context };

    if (!body.stream) {
      let answer = '';
      let usage: { promptTokens: number; completionTokens: number } | null = null;
      let failure: { code: string; message: string } | null = null;
      for await (const ev of prepared.run()) {
        if (ev.type === 'token') answer += ev.text;
        else if (ev.type === 'done') usage = ev.usage;
        else failure = ev;
      }
      if (failure) return c.json({ error: { code: failure.code, message: failure.message, type: 'server_error' } }, 502);
      return c.json({
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
        usage: { prompt_tokens: usage?.promptTokens ?? 0, completion_tokens: usage?.completionTokens ?? 0, total_tokens: (usage?.promptTokens ?? 0) + (usage?.completionTokens ?? 0) },
        context_vault: vault,
      });
    }

    return streamSSE(c, async (stream) => {
      stream.onAbort(() => prepared.abort('client disconnected'));
      const chunk = (delta: Record<string, unknown>, finish: string | null) =>
        stream.writeSSE({ data: JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }] }) });
      await chunk({ role: 'assistant', content: '' }, null);
      for await (const ev of prepared.run()) {
        if (stream.aborted) {
          prepared.abort('client disconnected');
          continue;
        }
        if (ev.type === 'token') await chunk({ content: ev.text }, null);
        else if (ev.type === 'done') await chunk({}, 'stop');
        else await stream.writeSSE({ data: JSON.stringify({ error: { code: ev.code, message: ev.message, type: 'server_error' } }) });
      }
      await stream.writeSSE({ data: '[DONE]' });
    });
  });

  return app;
}
