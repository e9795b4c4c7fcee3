import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../db/schema.ts';
import * as repo from '../../db/wearables.ts';
import { NotFoundError } from '../../errors.ts';
import type { KeyService } from '../../vault/keys.ts';
import { ReauthorizationRequiredError, refreshTokens, type TokenSet } from './oauth.ts';
import type { WearableProvider } from './provider.ts';

const aad = (provider: string) => `wearable-tokens:${provider}`;
/** Refresh a little before expiry so a request never starts with a token about to lapse. */
const EARLY_MS = 60_000;

/**
 * OAuth connections of users to wearable providers. Tokens are sealed with the user's data
 * key (DESIGN.md invariant 4). Refreshes are serialized per user and provider, and the new
 * tokens are stored BEFORE the access token is handed out: with single-use refresh tokens a
 * crash between the two would otherwise lose the connection.
 */
export class WearableConnections {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly keys: KeyService,
    private readonly log: Logger,
  ) {}

  async save(userId: string, provider: string, t: TokenSet): Promise<void> {
    const keys = await this.keys.forUser(userId);
    await repo.saveConnection(this.db, { userId, provider, tokensEnc: keys.encrypt(aad(provider), JSON.stringify(t)), scope: t.scope, accessExpiresAt: t.expiresAt ? new Date(t.expiresAt) : null });
  }

  /** A valid access token; `force` refreshes even if the stored one looks valid (after a 401). */
  accessToken(userId: string, provider: WearableProvider, force = false): Promise<string> {
    return this.serialized(`${userId}:${provider.id}`, async () => {
      const row = await repo.findConnection(this.db, userId, provider.id);
      if (!row) throw new NotFoundError(`${provider.name} connection`);
      const keys = await this.keys.forUser(userId);
      const t = JSON.parse(keys.decrypt(aad(provider.id), row.tokens_enc).toString('utf8')) as TokenSet;
      if (!force && (t.expiresAt === null || t.expiresAt - EARLY_MS > Date.now())) return t.accessToken;
      if (!t.refreshToken) {
        await repo.markConnection(this.db, userId, provider.id, { status: 'reauthorize' });
        throw new ReauthorizationRequiredError();
      }
      let next: TokenSet;
      try {
        next = await refreshTokens(provider.oauth, t.refreshToken);
      } catch (e) {
        if (e instanceof ReauthorizationRequiredError) await repo.markConnection(this.db, userId, provider.id, { status: 'reauthorize' });
        throw e;
      }
      // A provider that does not rotate may omit the refresh token: keep the old one then.
      const stored: TokenSet = { ...next, refreshToken: next.refreshToken ?? (provider.oauth.rotatesRefreshTokens ? null : t.refreshToken), scope: next.scope ?? t.scope };
      await repo.updateConnectionTokens(this.db, userId, provider.id, keys.encrypt(aad(provider.id), JSON.stringify(stored)), stored.expiresAt ? new Date(stored.expiresAt) : null);
      this.log.info({ userId, provider: provider.id }, 'wearable tokens refreshed');
      return stored.accessToken;
    });
  }

  list(userId: string) {
    return repo.listConnections(this.db, userId);
  }

  get(userId: string, provider: string) {
    return repo.findConnection(this.db, userId, provider);
  }

  remove(userId: string, provider: string): Promise<boolean> {
    return repo.deleteConnection(this.db, userId, provider);
  }

  private serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return run;
  }
}
