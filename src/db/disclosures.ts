import type { Db } from './types.ts';

export function insertDisclosure(
  db: Db,
  d: { id: string; userId: string; conversationId: string | null; model: string; purpose: string; itemIds: string[] },
) {
  return db
    .insertInto('disclosures')
    .values({ id: d.id, user_id: d.userId, conversation_id: d.conversationId, model: d.model, purpose: d.purpose, item_ids: d.itemIds })
    .execute();
}

export function listDisclosures(db: Db, userId: string, opts: { conversationId?: string; limit: number; before?: Date }) {
  let q = db.selectFrom('disclosures').selectAll().where('user_id', '=', userId);
  if (opts.conversationId) q = q.where('conversation_id', '=', opts.conversationId);
  if (opts.before) q = q.where('created_at', '<', opts.before);
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
}
