import { sql } from 'kysely';
import { PREPARED_GENERIC } from './connect.ts';
import type { MessageStatus } from './schema.ts';
import type { Db } from './types.ts';

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

/** Adds a message and marks its conversation as updated, in one statement. */
export async function insertMessage(
  db: Db,
  m: { id: string; conversationId: string; userId: string; role: 'user' | 'assistant'; contentEnc: Buffer; status: MessageStatus; itemIds: string[]; model: string | null; usage: unknown },
): Promise<void> {
  const usage = m.usage === undefined || m.usage === null ? null : JSON.stringify(m.usage);
  await sql`${sql.raw(PREPARED_GENERIC)}
    with m as (
      insert into messages (id, conversation_id, user_id, role, content_enc, status, item_ids, model, usage)
      values (${m.id}::uuid, ${m.conversationId}::uuid, ${m.userId}::uuid, ${m.role}, ${m.contentEnc}::bytea, ${m.status}, ${m.itemIds}::uuid[], ${m.model}::text, ${usage}::jsonb)
      returning conversation_id)
    update conversations set updated_at = now() where id = (select conversation_id from m)`.execute(db);
}

/**
 * Rewrites an answer as it streams (and once more when it ends), scoped to its user. Touches
 * nothing once the row is gone (the account was deleted meanwhile): false then.
 */
export async function updateAnswer(db: Db, m: { id: string; userId: string; contentEnc: Buffer; status: MessageStatus; usage?: unknown }): Promise<boolean> {
  const usage = m.usage === undefined || m.usage === null ? null : JSON.stringify(m.usage);
  const r = await sql`${sql.raw(PREPARED_GENERIC)}
    update messages set content_enc = ${m.contentEnc}::bytea, status = ${m.status}, usage = coalesce(${usage}::jsonb, usage)
    where id = ${m.id}::uuid and user_id = ${m.userId}::uuid`.execute(db);
  return Number(r.numAffectedRows ?? 0) > 0;
}

/**
 * Answers still `streaming` when the gateway starts were cut off by a crash (kill -9, power
 * loss): they become `error`, their partial text kept. Returns how many.
 */
export async function failInterruptedAnswers(db: Db): Promise<number> {
  const r = await sql`update messages set status = 'error' where status = 'streaming'`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/**
 * The messages of a conversation of this user, oldest first, in one statement; null when the
 * conversation does not exist or is someone else's.
 */
export async function conversationHistory(db: Db, userId: string, conversationId: string) {
  const r = await sql<{ role: 'user' | 'assistant' | null; status: string | null; content_enc: Buffer | null }>`${sql.raw(PREPARED_GENERIC)}
    select m.role, m.status, m.content_enc from conversations c
    left join messages m on m.conversation_id = c.id and m.user_id = c.user_id
    where c.id = ${conversationId}::uuid and c.user_id = ${userId}::uuid
    order by m.created_at asc nulls first`.execute(db);
  if (!r.rows.length) return null;
  return r.rows.filter((row) => row.role !== null) as { role: 'user' | 'assistant'; status: string; content_enc: Buffer }[];
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

/**
 * The start of a chat turn in one statement: the conversation (when new), the question and the
 * disclosure of the items about to be sent, or none of them.
 */
export async function insertTurnStart(
  db: Db,
  t: {
    userId: string;
    conversation: { id: string; titleEnc: Buffer | null; origin: string };
    message: { id: string; contentEnc: Buffer; itemIds: string[] };
    disclosure: { id: string; model: string; purpose: string };
  },
): Promise<void> {
  const isNew = t.conversation.titleEnc !== null;
  // On every question's path: a named statement (one text whether the conversation is new or
  // not) on a generic plan (inserts and an update by key: the plan cannot depend on the values).
  await sql`${sql.raw(PREPARED_GENERIC)}
    with c as (
      insert into conversations (id, user_id, title_enc, origin)
      select ${t.conversation.id}::uuid, ${t.userId}::uuid, ${t.conversation.titleEnc}::bytea, ${t.conversation.origin} where ${isNew}
      returning id),
    m as (
      insert into messages (id, conversation_id, user_id, role, content_enc, status, item_ids)
      values (${t.message.id}::uuid, ${t.conversation.id}::uuid, ${t.userId}::uuid, 'user', ${t.message.contentEnc}::bytea, 'complete', ${t.message.itemIds}::uuid[])
      returning id),
    d as (
      insert into disclosures (id, user_id, conversation_id, model, purpose, item_ids)
      values (${t.disclosure.id}::uuid, ${t.userId}::uuid, ${t.conversation.id}::uuid, ${t.disclosure.model}, ${t.disclosure.purpose}, ${t.message.itemIds}::uuid[])
      returning id)
    update conversations set updated_at = now() where id = ${t.conversation.id}::uuid and not ${isNew}`.execute(db);
}
