import type { Logger } from 'pino';
import { AppError } from '../../errors.ts';
import type { JobRunner } from '../../jobs/job-runner.ts';
import type { ConnectionStore, OpenConnection } from '../connection-store.ts';
import { OAuthGrantError, newAuthorizationChecks, unknownProvider, type SmartOAuthClient } from '../oauth/smart-client.ts';
import type { SmartProvider } from '../oauth/providers.ts';
import { StateError, type OAuthStateStore } from '../oauth/state-store.ts';
import type { TokenSource } from './fhir-reader.ts';

export const FHIR_SYNC_JOB = 'fhir.sync';

/** The grant is gone (revoked, expired refresh token): the person must connect again. */
export class NeedsReconnectError extends AppError {
  constructor(provider: string) {
    super('needs_reconnect', `The connection to ${provider} has expired or was revoked; connect again.`);
  }
}

/** How a callback ended, for the redirect back to the web client. */
export type CallbackOutcome = { ok: true; jobId: string } | { ok: false; code: string };

export interface IntegrationView {
  provider: string;
  name: string;
  kind: 'smart-on-fhir';
  status: 'not_connected' | 'connected' | 'needs_reconnect';
  /** Where the web client navigates (top-level) to connect or reconnect. */
  connectUrl: string;
  scopes: string[];
  lastSyncAt: string | null;
  lastSyncJobId: string | null;
  lastError: string | null;
  connectedAt: string | null;
}

const REFRESH_AHEAD_MS = 60_000;

/**
 * SMART on FHIR standalone launch for every configured provider: connect (authorization URL),
 * callback (state check, code exchange, encrypted tokens, first sync), token upkeep for the
 * sync (refresh ahead of expiry and after a 401; a refused refresh marks the connection
 * `needs_reconnect`), sync start and disconnect.
 */
export class SmartConnector {
  constructor(
    readonly providers: Map<string, SmartProvider>,
    private readonly oauth: SmartOAuthClient,
    private readonly states: OAuthStateStore,
    private readonly store: ConnectionStore,
    private readonly jobs: JobRunner,
    private readonly log: Logger,
  ) {}

  provider(id: string): SmartProvider {
    const p = this.providers.get(id);
    if (!p) throw unknownProvider(id);
    return p;
  }

  async list(userId: string): Promise<IntegrationView[]> {
    const rows = new Map((await this.store.list(userId)).map((r) => [r.provider, r]));
    return [...this.providers.values()].map((p) => {
      const r = rows.get(p.id);
      const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);
      return {
        provider: p.id,
        name: p.name,
        kind: 'smart-on-fhir',
        status: !r || r.status === 'disconnected' ? 'not_connected' : r.status,
        connectUrl: `/api/integrations/${p.id}/connect`,
        scopes: r?.scopes ? r.scopes.split(/\s+/).filter(Boolean) : [],
        lastSyncAt: iso(r?.last_sync_at),
        lastSyncJobId: r?.last_sync_job_id ?? null,
        lastError: r?.last_error ?? null,
        connectedAt: iso(r?.created_at),
      };
    });
  }

  /** The authorization server URL to send the browser to; remembers state and PKCE verifier. */
  async startConnect(who: { userId: string; sessionId: string }, providerId: string): Promise<URL> {
    const p = this.provider(providerId);
    const checks = newAuthorizationChecks();
    const url = await this.oauth.authorizationUrl(p, checks);
    await this.states.create({ ...checks, userId: who.userId, sessionId: who.sessionId, provider: p.id });
    return url;
  }

  /**
   * Completes the authorization. Every failure leaves no connection behind and names a code:
   * the provider's own `error` (e.g. access_denied), a state problem, `token_exchange_failed`
   * or `no_patient` (the grant lacks the SMART patient context).
   */
  async finishConnect(who: { userId: string; sessionId: string }, providerId: string, query: URLSearchParams): Promise<CallbackOutcome> {
    const p = this.provider(providerId);
    const state = query.get('state') ?? '';
    let verifier: string;
    try {
      ({ verifier } = await this.states.consume(state, who, p.id));
    } catch (e) {
      if (e instanceof StateError) return { ok: false, code: e.problem };
      throw e;
    }
    const providerError = query.get('error');
    if (providerError) {
      this.log.info({ provider: p.id, error: providerError.slice(0, 64) }, 'authorization refused by the provider');
      return { ok: false, code: /^[a-z_]{1,64}$/.test(providerError) ? providerError : 'provider_error' };
    }
    let tokens;
    try {
      tokens = await this.oauth.exchangeCode(p, query, { state, verifier });
    } catch (e) {
      this.log.warn({ provider: p.id, error: e instanceof OAuthGrantError ? e.error : 'unknown' }, 'code exchange failed');
      return { ok: false, code: 'token_exchange_failed' };
    }
    if (!tokens.patient) return { ok: false, code: 'no_patient' };
    let connectionId: string;
    try {
      connectionId = await this.store.save(who.userId, p.id, p.iss, tokens, tokens.patient);
    } catch (e) {
      this.log.error({ provider: p.id, err: e instanceof Error ? e.name : 'unknown' }, 'saving the connection failed');
      return { ok: false, code: 'connect_failed' };
    }
    try {
      const { jobId } = await this.enqueueSync(who.userId, connectionId);
      this.log.info({ provider: p.id, connectionId }, 'connected');
      return { ok: true, jobId };
    } catch (e) {
      // The grant is stored and usable: the person is connected and can start a sync by hand.
      this.log.error({ provider: p.id, connectionId, err: e instanceof Error ? e.name : 'unknown' }, 'first sync not started');
      return { ok: false, code: 'sync_not_started' };
    }
  }

  private async enqueueSync(userId: string, connectionId: string): Promise<{ jobId: string }> {
    const { jobId } = await this.jobs.enqueue({ type: FHIR_SYNC_JOB, userId, params: { connectionId }, dedupeKey: `${FHIR_SYNC_JOB}:${connectionId}` });
    await this.store.recordSync(connectionId, { jobId });
    return { jobId };
  }

  async startSync(userId: string, providerId: string): Promise<{ jobId: string }> {
    const p = this.provider(providerId);
    const row = await this.store.find(userId, p.id);
    if (!row) throw new AppError('not_connected', `Connect ${p.name} first.`);
    if (row.status !== 'connected') throw new NeedsReconnectError(p.name);
    return this.enqueueSync(userId, row.id);
  }

  async disconnect(userId: string, providerId: string): Promise<void> {
    const p = this.provider(providerId);
    const row = await this.store.find(userId, p.id);
    if (!row) throw new AppError('not_connected', `${p.name} is not connected.`);
    const conn = await this.store.open(row.id);
    // Revoke first so the grant dies at the provider too; the tokens then leave our database.
    const token = conn?.refreshToken ?? conn?.accessToken;
    if (token) await this.oauth.revoke(p, token);
    await this.store.delete(userId, p.id);
  }

  /** Tokens for a sync of this connection, refreshed as needed and stored re-sealed. */
  tokenSource(conn: OpenConnection): TokenSource {
    const p = this.provider(conn.provider);
    let access = conn.accessToken;
    let expiresAt = conn.expiresAt;
    let refreshToken = conn.refreshToken;
    const refresh = async (): Promise<string> => {
      if (!refreshToken) {
        await this.store.markNeedsReconnect(conn.id, 'access expired and the provider issued no refresh token');
        throw new NeedsReconnectError(p.name);
      }
      let t;
      try {
        t = await this.oauth.refresh(p, refreshToken);
      } catch (e) {
        if (e instanceof OAuthGrantError && (e.error === 'invalid_grant' || e.error === 'unauthorized_client')) {
          await this.store.markNeedsReconnect(conn.id, `refresh refused (${e.error})`);
          throw new NeedsReconnectError(p.name);
        }
        throw e;
      }
      access = t.accessToken;
      expiresAt = t.expiresAt;
      // Epic may answer without a refresh_token: the one we hold stays valid.
      if (t.refreshToken) refreshToken = t.refreshToken;
      await this.store.updateTokens(conn, t);
      return access;
    };
    return {
      current: async () => {
        if (!access || (expiresAt && expiresAt.getTime() - Date.now() < REFRESH_AHEAD_MS)) return refresh();
        return access;
      },
      refresh,
    };
  }
}
