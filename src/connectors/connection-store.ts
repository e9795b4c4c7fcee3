import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ConnectionStatus, Database } from '../db/schema.ts';
import * as repo from '../db/connections.ts';
import type { KeyService } from '../vault/keys.ts';

/** A connection with its secrets opened (only ever held in memory, for the duration of a call). */
export interface OpenConnection {
  id: string;
  userId: string;
  provider: string;
  status: ConnectionStatus;
  serverUrl: string;
  patientId: string | null;
  scopes: string;
  accessToken: string | null;
  refreshToken: string | null;
  expiresAt: Date | null;
}

export interface StoredTokens {
  accessToken: string;
  refreshToken?: string;
  expiresAt: Date | null;
  scope?: string;
}

/**
 * Connections to outside sources, whatever the protocol (SMART on FHIR, wearable APIs): tokens
 * and the patient id are sealed with the user's data key (AAD binds each to its connection), so
 * the database holds them only as ciphertext.
 */
export class ConnectionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly keys: KeyService,
  ) {}

  list(userId: string) {
    return repo.listConnections(this.db, userId);
  }

  find(userId: string, provider: string) {
    return repo.findConnection(this.db, userId, provider);
  }

  /** AAD of a sealed field (UserKeys already binds the user id). */
  private aad(provider: string, field: string): string {
    return `connection:${provider}:${field}`;
  }

  /** Stores a fresh grant (first connect or reconnect) and returns the connection id. */
  async save(userId: string, provider: string, serverUrl: string, tokens: StoredTokens, patientId: string | null): Promise<string> {
    const k = await this.keys.forUser(userId);
    return repo.upsertConnection(this.db, {
      id: randomUUID(),
      userId,
      provider,
      serverUrl,
      patientIdEnc: patientId ? k.encrypt(this.aad(provider, 'patient'), patientId) : null,
      scopes: tokens.scope ?? '',
      accessTokenEnc: k.encrypt(this.aad(provider, 'access_token'), tokens.accessToken),
      refreshTokenEnc: tokens.refreshToken ? k.encrypt(this.aad(provider, 'refresh_token'), tokens.refreshToken) : null,
      expiresAt: tokens.expiresAt,
    });
  }

  /** Loads a connection by id with its secrets opened. */
  async open(id: string): Promise<OpenConnection | undefined> {
    const row = await repo.findConnectionById(this.db, id);
    if (!row) return undefined;
    const k = await this.keys.forUser(row.user_id);
    const dec = (field: string, v: Buffer | null) => k.decryptText(this.aad(row.provider, field), v);
    return {
      id: row.id,
      userId: row.user_id,
      provider: row.provider,
      status: row.status,
      serverUrl: row.server_url,
      patientId: dec('patient', row.patient_id_enc),
      scopes: row.scopes,
      accessToken: dec('access_token', row.access_token_enc),
      refreshToken: dec('refresh_token', row.refresh_token_enc),
      expiresAt: row.expires_at ? new Date(row.expires_at) : null,
    };
  }

  /** Stores refreshed tokens; without a new refresh token the stored one stays in force. */
  async updateTokens(conn: { id: string; userId: string; provider: string }, tokens: StoredTokens): Promise<void> {
    const k = await this.keys.forUser(conn.userId);
    await repo.updateTokens(this.db, conn.id, {
      accessTokenEnc: k.encrypt(this.aad(conn.provider, 'access_token'), tokens.accessToken),
      refreshTokenEnc: tokens.refreshToken ? k.encrypt(this.aad(conn.provider, 'refresh_token'), tokens.refreshToken) : null,
      expiresAt: tokens.expiresAt,
      scopes: tokens.scope,
    });
  }

  markNeedsReconnect(id: string, reason: string): Promise<void> {
    return repo.markNeedsReconnect(this.db, id, reason);
  }

  recordSync(id: string, s: { jobId?: string; finishedAt?: Date; error?: string | null }): Promise<void> {
    return repo.recordSync(this.db, id, s);
  }

  /** Deletes the connection row and with it every token. Imported items stay in the vault. */
  delete(userId: string, provider: string): Promise<boolean> {
    return repo.deleteConnection(this.db, userId, provider);
  }
}
