import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { latestByDedupe } from '../../db/jobs.ts';
import { insertOauthState, takeOauthState } from '../../db/wearables.ts';
import { AppError, NotFoundError } from '../../errors.ts';
import type { JobRunner } from '../../jobs/job-runner.ts';
import type { KeyService } from '../../vault/keys.ts';
import type { WearableConnections } from './connections.ts';
import { authorizeUrl, exchangeCode } from './oauth.ts';
import { hashState, newPkce, newState } from './pkce.ts';
import type { WearableProvider } from './provider.ts';

export const WEARABLE_SYNC_JOB = 'wearable.sync';
const syncKey = (userId: string, provider: string) => `wearable-sync:${userId}:${provider}`;
const STATE_MAX_AGE_S = 600;

/** Connect, disconnect and sync of the configured wearable providers, for the routes. */
export class WearableApiService {
  readonly providers: Map<string, WearableProvider>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly keys: KeyService,
    private readonly connections: WearableConnections,
    private readonly jobs: JobRunner,
    providers: WearableProvider[],
    private readonly publicUrl: string,
  ) {
    this.providers = new Map(providers.map((p) => [p.id, p]));
  }

  provider(id: string): WearableProvider {
    const p = this.providers.get(id);
    if (!p) throw new NotFoundError('wearable provider (configure its client id and secret to enable it)');
    return p;
  }

  redirectUri(id: string): string {
    return `${this.publicUrl}/api/wearables/${id}/callback`;
  }

  async list(userId: string) {
    const conns = new Map((await this.connections.list(userId)).map((c) => [c.provider, c]));
    const providers = [...this.providers.values()];
    // The last sync job of each provider, so a screen opened later can follow one still running.
    const jobs = await latestByDedupe(this.db, userId, providers.map((p) => syncKey(userId, p.id)));
    return providers.map((p) => {
      const c = conns.get(p.id);
      return {
        id: p.id,
        name: p.name,
        connected: !!c,
        status: c?.status ?? 'not_connected',
        syncedThrough: c?.synced_through ?? null,
        lastSyncAt: c?.last_sync_at ? new Date(c.last_sync_at).toISOString() : null,
        lastSyncJobId: c ? (jobs.get(syncKey(userId, p.id)) ?? null) : null,
      };
    });
  }

  /** Starts authorization: stores the hashed state with the sealed PKCE verifier, returns where to send the user. */
  async beginConnect(userId: string, id: string): Promise<string> {
    const p = this.provider(id);
    const { verifier, challenge } = newPkce();
    const state = newState();
    const keys = await this.keys.forUser(userId);
    await insertOauthState(this.db, { stateHash: hashState(state), userId, provider: id, verifierEnc: keys.encrypt(`wearable-pkce:${id}`, verifier) });
    return authorizeUrl(p.oauth, this.redirectUri(id), state, challenge);
  }

  /** Finishes authorization: the state must be fresh, single-use and the same user's; then the first sync is queued. */
  async completeConnect(userId: string, id: string, q: { code?: string; state?: string; error?: string }): Promise<{ jobId: string }> {
    const p = this.provider(id);
    if (!q.state) throw new AppError('bad_request', 'The authorization answer has no state.');
    const pending = await takeOauthState(this.db, hashState(q.state), STATE_MAX_AGE_S);
    if (!pending || pending.user_id !== userId || pending.provider !== id) {
      throw new AppError('oauth_state_invalid', 'This authorization is unknown, expired or already used; start connecting again.');
    }
    if (q.error || !q.code) throw new AppError('oauth_denied', `${p.name} did not authorize the connection${q.error ? ` (${q.error.slice(0, 60)})` : ''}.`);
    const keys = await this.keys.forUser(userId);
    const verifier = keys.decrypt(`wearable-pkce:${id}`, pending.verifier_enc).toString('utf8');
    const tokens = await exchangeCode(p.oauth, q.code, this.redirectUri(id), verifier);
    await this.connections.save(userId, id, tokens);
    return this.enqueueSync(userId, id);
  }

  async enqueueSync(userId: string, id: string): Promise<{ jobId: string }> {
    this.provider(id);
    if (!(await this.connections.get(userId, id))) throw new NotFoundError(`${id} connection`);
    const { jobId } = await this.jobs.enqueue({ type: WEARABLE_SYNC_JOB, userId, params: { provider: id }, dedupeKey: syncKey(userId, id) });
    return { jobId };
  }

  /** Forgets the tokens; imported samples and daily items stay in the vault (the user deletes those separately). */
  async disconnect(userId: string, id: string): Promise<void> {
    this.provider(id);
    if (!(await this.connections.remove(userId, id))) throw new NotFoundError(`${id} connection`);
  }
}
