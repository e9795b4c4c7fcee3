import { sql } from 'kysely';
import type { Db } from './types.ts';

export function insertConversation(db: Db, c: { id: string; userId: string; titleEnc: Buffer; origin: string }) {
  return db.insertInto('conversations').values({ id: c.id, user_id: c.userId, title_enc: c.titleEnc, origin: c.origin }).execute();
}

export function findConversation(db: Db, userId: string, id: string) {
  return db.selectFrom('conversations').selectAll().where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
}

export function listConversations(db: Db, userId: string, limit: number) {
  return db
    .selectFrom('conversations as c')
    .select(['c.id', 'c.title_enc', 'c.origin', 'c.created_at', 'c.updated_at'])
    .select(sql<number>`(select count(*)::int from messages m where m.conversation_id = c.id)`.as('message_count'))
    .where('c.user_id', '=', userId)
    .orderBy('c.updated_at', 'desc')
    .limit(limit)
    .execute();
}

export function touchConversation(db: Db, id: string) {
  return db.updateTable('conversations').set({ updated_at: sql`now()` }).where('id', '=', id).execute();
}

export function insertMessage(
  db: Db,
  m: { id: string; conversationId: string; userId: string; role: 'user' | 'assistant'; contentEnc: Buffer; status: 'complete' | 'incomplete' | 'error'; itemIds: string[]; model: string | null; usage: unknown },
) {
  return db
    .insertInto('messages')
    .values({
      id: m.id,
      conversation_id: m.conversationId,
      user_id: m.userId,
      role: m.role,
      content_enc: m.contentEnc,
      status: m.status,
      item_ids: m.itemIds,
      model: m.model,
      usage: m.usage === undefined || m.usage === null ? null : JSON.stringify(m.usage),
    })
    .execute();
}

export function listMessages(db: Db, userId: string, conversationId: string) {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('user_id', '=', userId)
    .where('conversation_id', '=', conversationId)
    .orderBy('created_at', 'asc')
    .execute();
}

/** Titles (sealed) and metadata of items by id, scoped to the user; deleted ones are absent. */
export function itemHeadsByIds(db: Db, userId: string, ids: string[]) {
  if (!ids.length) return Promise.resolve([]);
  return db
    .selectFrom('items')
    .select(['id', 'title_enc', 'kind', 'effective_at', 'source'])
    .where('user_id', '=', userId)
    .where('id', 'in', ids)
    .execute();
}
