import { sql } from 'kysely';
import type { Db } from './types.ts';

export async function insertUser(db: Db, u: { id: string; email: string; passwordHash: string }): Promise<boolean> {
  const r = await db
    .insertInto('users')
    .values({ id: u.id, email: u.email, password_hash: u.passwordHash })
    .onConflict((oc) => oc.column('email').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export function findUserByEmail(db: Db, email: string) {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export function findUserById(db: Db, id: string) {
  return db.selectFrom('users').select(['id', 'email', 'created_at']).where('id', '=', id).executeTakeFirst();
}

/** The user with their password hash (for a password confirmation). */
export function findUserWithHashById(db: Db, id: string) {
  return db.selectFrom('users').select(['id', 'email', 'password_hash']).where('id', '=', id).executeTakeFirst();
}

export function updatePasswordHash(db: Db, id: string, passwordHash: string) {
  return db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute();
}

/** Deletes the user; every table referencing users cascades, so no row of theirs is left. */
export async function deleteUser(db: Db, id: string): Promise<boolean> {
  const r = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/**
 * Files the user's jobs were told to delete when they end (`params.deleteAfter`: uploads kept
 * under the data dir until their import runs). Deleting the user cascades the job rows, so
 * their cleanup would never run: account deletion removes these files itself.
 */
export async function listJobFilesToDelete(db: Db, userId: string): Promise<string[]> {
  const r = await db
    .selectFrom('jobs')
    .select(sql<string>`params->>'path'`.as('path'))
    .where('user_id', '=', userId)
    .where(sql<boolean>`params->>'deleteAfter' = 'true' and params->>'path' is not null`)
    .execute();
  return r.map((x) => x.path);
}

export function insertUserKey(db: Db, k: { userId: string; masterKeyId: string; wrapped: Buffer }) {
  return db
    .insertInto('user_keys')
    .values({ user_id: k.userId, master_key_id: k.masterKeyId, wrapped_key: k.wrapped })
    .execute();
}

export function findUserKey(db: Db, userId: string) {
  return db.selectFrom('user_keys').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

export function listUserKeysNotWrappedBy(db: Db, masterKeyId: string) {
  return db.selectFrom('user_keys').selectAll().where('master_key_id', '<>', masterKeyId).execute();
}

export function updateUserKey(db: Db, k: { userId: string; masterKeyId: string; wrapped: Buffer }) {
  return db
    .updateTable('user_keys')
    .set({ master_key_id: k.masterKeyId, wrapped_key: k.wrapped, rotated_at: new Date() })
    .where('user_id', '=', k.userId)
    .execute();
}
