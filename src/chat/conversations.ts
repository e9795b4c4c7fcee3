import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, MessageStatus } from '../db/schema.ts';
import * as repo from '../db/conversations.ts';
import { NotFoundError } from '../errors.ts';
import type { KeyService } from '../vault/keys.ts';

export interface MessageView {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  /**
   * `complete`; `incomplete` when the person stopped the answer (or disconnected); `error` when
   * the model failed mid-answer or the gateway stopped (crashed) while it streamed; `streaming`
   * while it is still being written (saved every few seconds). Except for `complete`, `content`
   * holds the partial answer as streamed (as of the last save).
   */
  status: MessageStatus;
  /** The records sent with the message, in citation order: [n] is items[n - 1]. */
  items: (MessageItem | DeletedMessageItem)[];
  model: string | null;
  createdAt: string;
}

export interface MessageItem {
  id: string;
  title: string;
  kind: string;
  effectiveAt: string | null;
}

/** A record deleted since the message was written: kept in place so later [n] still point right. */
export interface DeletedMessageItem {
  id: string;
  title: null;
  kind: null;
  effectiveAt: null;
  deleted: true;
}

/** Conversation history, encrypted per user. */
export class ConversationStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly keys: KeyService,
  ) {}

  /**
   * Records the question and the disclosure of `itemIds` to `model` (creating the conversation
   * when `conversationId` is absent) atomically, before anything is sent to the model.
   */
  async startTurn(userId: string, t: { conversationId?: string; question: string; origin: 'web' | 'api'; itemIds: string[]; model: string }): Promise<string> {
    const keys = await this.keys.forUser(userId);
    const conversationId = t.conversationId ?? randomUUID();
    const title = t.question.replace(/\s+/g, ' ').trim().slice(0, 80) || 'Conversation';
    await repo.insertTurnStart(this.db, {
      userId,
      conversation: { id: conversationId, titleEnc: t.conversationId ? null : keys.encrypt('conversation.title', title), origin: t.origin },
      message: { id: randomUUID(), contentEnc: keys.encrypt('message', t.question), itemIds: t.itemIds },
      disclosure: { id: randomUUID(), model: t.model, purpose: 'chat' },
    });
    return conversationId;
  }

  async addMessage(userId: string, m: { conversationId: string; role: 'user' | 'assistant'; content: string; status?: MessageStatus; itemIds?: string[]; model?: string | null; usage?: unknown }): Promise<string> {
    const keys = await this.keys.forUser(userId);
    const id = randomUUID();
    await repo.insertMessage(this.db, {
      id,
      conversationId: m.conversationId,
      userId,
      role: m.role,
      contentEnc: keys.encrypt('message', m.content),
      status: m.status ?? 'complete',
      itemIds: m.itemIds ?? [],
      model: m.model ?? null,
      usage: m.usage ?? null,
    });
    return id;
  }

  /** Rewrites an answer saved with addMessage (as it streams, and when it ends); false when its row is gone. */
  async updateAnswer(userId: string, id: string, a: { content: string; status: MessageStatus; usage?: unknown }): Promise<boolean> {
    const keys = await this.keys.forUser(userId);
    return repo.updateAnswer(this.db, { id, userId, contentEnc: keys.encrypt('message', a.content), status: a.status, usage: a.usage });
  }

  /** At start: answers a crash cut off (still `streaming`) become `error`, their partial text kept. */
  failInterruptedAnswers(): Promise<number> {
    return repo.failInterruptedAnswers(this.db);
  }

  /** The turns of a conversation of this user, for the next prompt; NotFound when it is not theirs. */
  async history(userId: string, conversationId: string): Promise<{ role: 'user' | 'assistant'; content: string }[]> {
    const keys = await this.keys.forUser(userId);
    const rows = await repo.conversationHistory(this.db, userId, conversationId);
    if (!rows) throw new NotFoundError('conversation');
    // Failed answers and one still being written (a newer question supersedes it) are not context.
    return rows.filter((r) => r.role === 'user' || (r.status !== 'error' && r.status !== 'streaming')).map((r) => ({ role: r.role, content: keys.decryptText('message', r.content_enc) ?? '' }));
  }

  async list(userId: string) {
    const keys = await this.keys.forUser(userId);
    return (await repo.listConversations(this.db, userId, 200)).map((c) => ({
      id: c.id,
      title: keys.decryptText('conversation.title', c.title_enc),
      origin: c.origin,
      messageCount: c.message_count,
      createdAt: new Date(c.created_at).toISOString(),
      updatedAt: new Date(c.updated_at).toISOString(),
    }));
  }

  async get(userId: string, id: string) {
    const conv = await repo.findConversation(this.db, userId, id);
    if (!conv) throw new NotFoundError('conversation');
    const keys = await this.keys.forUser(userId);
    const rows = await repo.listMessages(this.db, userId, id);
    const heads = await repo.itemHeadsByIds(this.db, userId, [...new Set(rows.flatMap((r) => r.item_ids))]);
    const byId = new Map(heads.map((h): [string, MessageItem] => [h.id, { id: h.id, title: keys.decryptText('title', h.title_enc) ?? '', kind: h.kind, effectiveAt: h.effective_at ? new Date(h.effective_at).toISOString() : null }]));
    const messages: MessageView[] = rows.map((r) => ({
      id: r.id,
      role: r.role,
      content: keys.decryptText('message', r.content_enc) ?? '',
      status: r.status,
      items: r.item_ids.map((i) => byId.get(i) ?? { id: i, title: null, kind: null, effectiveAt: null, deleted: true as const }),
      model: r.model,
      createdAt: new Date(r.created_at).toISOString(),
    }));
    return { id: conv.id, title: keys.decryptText('conversation.title', conv.title_enc), origin: conv.origin, createdAt: new Date(conv.created_at).toISOString(), updatedAt: new Date(conv.updated_at).toISOString(), messages };
  }
}
