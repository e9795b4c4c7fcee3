import { sql } from 'kysely';
import type { ConnectionStatus } from './schema.ts';
import type { Db } from './types.ts';

/** Repository of outside-source connections, one-time OAuth states, server keys and uploads. */

export function listConnections(db: Db, userId: string) {
  return db.selectFrom('connections').selectAll().where('user_id', '=', userId).orderBy('provider').execute();
}

export function findConnection(db: Db, userId: string, provider: string) {
  return db.selectFrom('connections').selectAll().where('user_id', '=', userId).where('provider', '=', provider).executeTakeFirst();
}

export function findConnectionById(db: Db, id: string) {
  return db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface ConnectionWrite {
  id: string;
  userId: string;
  provider: string;
  serverUrl: string;
  patientIdEnc: Buffer | null;
  scopes: string;
  accessTokenEnc: Buffer;
  refreshTokenEnc: Buffer | null;
  expiresAt: Date | null;
}

/** Creates the user's connection to a provider or replaces it wholesale (a reconnect). */
export async function upsertConnection(db: Db, w: ConnectionWrite): Promise<string> {
  const row = await db
    .insertInto('connections')
    .values({
      id: w.id,
      user_id: w.userId,
      provider: w.provider,
      status: 'connected',
      server_url: w.serverUrl,
      patient_id_enc: w.patientIdEnc,
      scopes: w.scopes,
      access_token_enc: w.accessTokenEnc,
      refresh_token_enc: w.refreshTokenEnc,
      expires_at: w.expiresAt,
    })
    .onConflict((oc) =>
      oc.columns(['user_id', 'provider']).doUpdateSet({
        status: 'connected',
        server_url: w.serverUrl,
        patient_id_enc: w.patientIdEnc,
        scopes: w.scopes,
        access_token_enc: w.accessTokenEnc,
        refresh_token_enc: w.refreshTokenEnc,
        expires_at: w.expiresAt,
        last_error: null,
        updated_at: sql`now()`,
      }),
    )
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Stores refreshed tokens; a null refresh token keeps the one already stored. */
export async function updateTokens(db: Db, id: string, t: { accessTokenEnc: Buffer; refreshTokenEnc: Buffer | null; expiresAt: Date | null; scopes?: string }) {
  await db
    .updateTable('connections')
    .set({
      access_token_enc: t.accessTokenEnc,
      ...(t.refreshTokenEnc ? { refresh_token_enc: t.refreshTokenEnc } : {}),
      ...(t.scopes ? { scopes: t.scopes } : {}),
      expires_at: t.expiresAt,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .execute();
}

/** Marks a connection as needing the user again; its tokens are useless, so they go too. */
export async function markNeedsReconnect(db: Db, id: string, reason: string) {
  await db
    .updateTable('connections')
    .set({ status: 'needs_reconnect' satisfies ConnectionStatus, access_token_enc: null, refresh_token_enc: null, expires_at: null, last_error: reason, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

export async function recordSync(db: Db, id: string, s: { jobId?: string; finishedAt?: Date; error?: string | null }) {
  await db
    .updateTable('connections')
    .set({
      ...(s.jobId ? { last_sync_job_id: s.jobId } : {}),
      ...(s.finishedAt ? { last_sync_at: s.finishedAt } : {}),
      ...(s.error !== undefined ? { last_error: s.error } : {}),
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .execute();
}

export async function deleteConnection(db: Db, userId: string, provider: string): Promise<boolean> {
  const r = await db.deleteFrom('connections').where('user_id', '=', userId).where('provider', '=', provider).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function insertOauthState(db: Db, s: { stateHash: string; userId: string; sessionId: string; provider: string; verifierEnc: Buffer; expiresAt: Date }) {
  // Expired states are garbage on every insert so the table stays small without a sweeper.
  await db.deleteFrom('oauth_states').where('expires_at', '<', new Date()).execute();
  await db
    .insertInto('oauth_states')
    .values({ state_hash: s.stateHash, user_id: s.userId, session_id: s.sessionId, provider: s.provider, verifier_enc: s.verifierEnc, expires_at: s.expiresAt })
    .execute();
}

/** Deletes and returns a state in one statement: a state can be consumed once only. */
export function takeOauthState(db: Db, stateHash: string) {
  return db.deleteFrom('oauth_states').where('state_hash', '=', stateHash).returningAll().executeTakeFirst();
}

export function listServerKeys(db: Db, purpose: string) {
  return db.selectFrom('server_keys').selectAll().where('purpose', '=', purpose).orderBy('created_at', 'desc').execute();
}

export async function insertServerKey(db: Db, k: { kid: string; purpose: string; alg: string; publicJwk: string; privateEnc: Buffer }) {
  await db.insertInto('server_keys').values({ kid: k.kid, purpose: k.purpose, alg: k.alg, public_jwk: k.publicJwk, private_enc: k.privateEnc }).execute();
}

export async function deleteServerKey(db: Db, kid: string) {
  await db.deleteFrom('server_keys').where('kid', '=', kid).execute();
}

export async function insertUpload(db: Db, u: { id: string; userId: string; kind: string; dataEnc: Buffer }) {
  await db.insertInto('import_uploads').values({ id: u.id, user_id: u.userId, kind: u.kind, data_enc: u.dataEnc }).execute();
}

export function findUpload(db: Db, id: string) {
  return db.selectFrom('import_uploads').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function deleteUpload(db: Db, id: string) {
  await db.deleteFrom('import_uploads').where('id', '=', id).execute();
}
