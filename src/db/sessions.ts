import type { Db } from './types.ts';

export function insertSession(db: Db, s: { id: string; userId: string; tokenHash: Buffer; expiresAt: Date }) {
  return db
    .insertInto('sessions')
    .values({ id: s.id, user_id: s.userId, token_hash: s.tokenHash, expires_at: s.expiresAt, last_seen_at: new Date() })
    .execute();
}

/** The live session with this token hash, or undefined when unknown or expired. */
export function findLiveSession(db: Db, tokenHash: Buffer, now: Date) {
  return db
    .selectFrom('sessions')
    .select(['id', 'user_id', 'expires_at'])
    .where('token_hash', '=', tokenHash)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

export function deleteSessionByHash(db: Db, tokenHash: Buffer) {
  return db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}

/** Ends every session of the user but `keepId`; returns how many ended. */
export async function deleteOtherSessions(db: Db, userId: string, keepId: string): Promise<number> {
  const r = await db.deleteFrom('sessions').where('user_id', '=', userId).where('id', '!=', keepId).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export function deleteExpiredSessions(db: Db, now: Date) {
  return db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
}

export function insertApiToken(db: Db, t: { id: string; userId: string; name: string; tokenHash: Buffer; prefix: string; expiresAt: Date | null }) {
  return db
    .insertInto('api_tokens')
    .values({ id: t.id, user_id: t.userId, name: t.name, token_hash: t.tokenHash, prefix: t.prefix, expires_at: t.expiresAt })
    .execute();
}

export function findLiveApiToken(db: Db, tokenHash: Buffer, now: Date) {
  return db
    .selectFrom('api_tokens')
    .select(['id', 'user_id', 'expires_at'])
    .where('token_hash', '=', tokenHash)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirst();
}

export function touchApiToken(db: Db, id: string, now: Date) {
  return db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
}

export function listApiTokens(db: Db, userId: string) {
  return db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'prefix', 'created_at', 'last_used_at', 'expires_at'])
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .execute();
}

export async function deleteApiToken(db: Db, userId: string, id: string): Promise<boolean> {
  const r = await db.deleteFrom('api_tokens').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
