import type { Db } from './types.ts';

export interface RuleWrite {
  id: string;
  userId: string;
  source: string | null;
  kind: string | null;
  category: string | null;
  tag: string | null;
  shareWithAi: boolean;
  shareWithCloud: boolean;
  priority: number;
  expiresAt: Date | null;
}

export function insertRule(db: Db, r: RuleWrite) {
  return db
    .insertInto('sharing_rules')
    .values({
      id: r.id,
      user_id: r.userId,
      source: r.source,
      kind: r.kind,
      category: r.category,
      tag: r.tag,
      share_with_ai: r.shareWithAi,
      share_with_cloud: r.shareWithCloud,
      priority: r.priority,
      expires_at: r.expiresAt,
    })
    .execute();
}

export function listRules(db: Db, userId: string) {
  return db
    .selectFrom('sharing_rules')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('priority', 'desc')
    .orderBy('created_at', 'desc')
    .execute();
}

export async function deleteRule(db: Db, userId: string, id: string): Promise<boolean> {
  const r = await db.deleteFrom('sharing_rules').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
