import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { Kysely } from 'kysely';
import { Algorithm, hash, verify } from '@node-rs/argon2';
import type { Database } from '../db/schema.ts';
import * as users from '../db/users.ts';
import * as sessions from '../db/sessions.ts';
import { AppError, ConflictError, NotFoundError, RateLimitedError, UnauthorizedError } from '../errors.ts';
import { FailureLimiter } from '../lib/rate-limiter.ts';
import { hashToken, newToken } from '../lib/tokens.ts';
import type { KeyService } from './keys.ts';
import { exportDocument, type ExportParts } from './export.ts';
import { AuthCache } from './auth-cache.ts';

/** OWASP's minimum for argon2id: 19 MiB, 2 iterations, 1 lane. */
export const ARGON2_OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 } as const;

export interface AccountsOptions {
  sessionTtlS: number;
  maxFailuresPerAccount: number;
  maxFailuresPerAddress: number;
  windowS: number;
  /** How long a verified session or API token is trusted without asking the database (0: always ask). */
  authCacheTtlMs?: number;
}

export interface Principal {
  userId: string;
  via: 'session' | 'api_token';
  tokenId: string;
}

export interface UserView {
  id: string;
  email: string;
  createdAt: string;
}

// A hash computed once so that a login for an unknown email costs as much as a real one.
let dummyHash: Promise<string> | undefined;

export class AccountService {
  private readonly perAccount: FailureLimiter;
  private readonly perAddress: FailureLimiter;
  private readonly verified: AuthCache;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly keys: KeyService,
    private readonly opts: AccountsOptions,
  ) {
    this.perAccount = new FailureLimiter(opts.maxFailuresPerAccount, opts.windowS * 1000);
    this.perAddress = new FailureLimiter(opts.maxFailuresPerAddress, opts.windowS * 1000);
    this.verified = new AuthCache(opts.authCacheTtlMs ?? 5_000);
  }

  /** Creates the user, their data key and a first session, atomically. */
  async signup(email: string, password: string): Promise<{ token: string; user: UserView }> {
    const normalized = normalizeEmail(email);
    const id = randomUUID();
    const passwordHash = await hash(password, ARGON2_OPTIONS);
    await this.db.transaction().execute(async (trx) => {
      if (!(await users.insertUser(trx, { id, email: normalized, passwordHash }))) {
        throw new ConflictError('email_taken', 'An account with this email already exists.');
      }
      await this.keys.createForUser(trx, id);
    });
    return { token: await this.newSession(id), user: await this.user(id) };
  }

  async login(email: string, password: string, address: string): Promise<{ token: string; user: UserView }> {
    const normalized = normalizeEmail(email);
    const wait = Math.max(this.perAccount.retryAfter(normalized), this.perAddress.retryAfter(address));
    if (wait > 0) throw new RateLimitedError(wait, 'Too many failed sign-in attempts; try again later.');
    const row = await users.findUserByEmail(this.db, normalized);
    dummyHash ??= hash('not a real password', ARGON2_OPTIONS);
    const ok = row ? await verify(row.password_hash, password) : (await verify(await dummyHash, password), false);
    if (!row || !ok) {
      this.perAccount.fail(normalized);
      this.perAddress.fail(address);
      throw new UnauthorizedError('Wrong email or password.');
    }
    this.perAccount.reset(normalized);
    // Expired sessions no longer authenticate but would stay forever: a login sweeps them (every
    // user's), which keeps the table near the number of live sessions at no extra round trip's worth.
    await sessions.deleteExpiredSessions(this.db, new Date()).catch(() => undefined);
    return { token: await this.newSession(row.id), user: await this.user(row.id) };
  }

  async logout(token: string): Promise<void> {
    const tokenHash = hashToken(token);
    // Forgotten after the delete too: a lookup that read the row just before it cannot keep it alive.
    this.verified.forgetSecret(tokenHash.toString('hex'));
    await sessions.deleteSessionByHash(this.db, tokenHash);
    this.verified.forgetSecret(tokenHash.toString('hex'));
  }

  /** Resolves a bearer secret (session or personal API token) to its user, or throws 401. */
  async authenticate(token: string, allow: ReadonlyArray<Principal['via']> = ['session', 'api_token']): Promise<Principal> {
    const now = new Date();
    const via = token.startsWith('cvs_') ? 'session' : token.startsWith('cvt_') ? 'api_token' : undefined;
    if (via && allow.includes(via)) {
      const tokenHash = hashToken(token);
      const key = tokenHash.toString('hex');
      const known = this.verified.get(key, now.getTime());
      if (known) return known;
      const epoch = this.verified.epoch;
      if (via === 'session') {
        const s = await sessions.findLiveSession(this.db, tokenHash, now);
        if (s) return this.remember(key, { userId: s.user_id, via, tokenId: s.id }, new Date(s.expires_at), now, epoch);
      } else {
        const t = await sessions.findLiveApiToken(this.db, tokenHash, now);
        if (t) {
          // "Last used" is as precise as the cache's TTL: it is written when the token is verified.
          await sessions.touchApiToken(this.db, t.id, now);
          return this.remember(key, { userId: t.user_id, via, tokenId: t.id }, t.expires_at ? new Date(t.expires_at) : null, now, epoch);
        }
      }
    }
    throw new UnauthorizedError('Your session has expired or is not valid; sign in again.');
  }

  private remember(key: string, principal: Principal, expiresAt: Date | null, now: Date, epoch: number): Principal {
    this.verified.set(key, principal, expiresAt, now.getTime(), epoch);
    return principal;
  }

  async user(id: string): Promise<UserView> {
    const u = await users.findUserById(this.db, id);
    if (!u) throw new NotFoundError('user');
    return { id: u.id, email: u.email, createdAt: new Date(u.created_at).toISOString() };
  }

  /**
   * Everything of the user, decrypted, as JSON text in pieces (see export.ts); `parts` open the
   * data they own. The account is looked up first, so an unknown user fails before any byte is sent.
   */
  async exportAccount(userId: string, parts: ExportParts): Promise<AsyncGenerator<string>> {
    return exportDocument(this.db, this.keys, await this.user(userId), parts);
  }

  /**
   * Deletes the user and, by cascade, every row of theirs, including the wrapped data key; then
   * the upload files their queued or running imports would have deleted (the cascade removes
   * those jobs, so nothing else ever would). Only `*.upload` files: a path in a job row is
   * never trusted to name anything else.
   */
  async deleteAccount(userId: string): Promise<void> {
    const files = (await users.listJobFilesToDelete(this.db, userId)).filter((p) => isAbsolute(p) && p.endsWith('.upload'));
    this.verified.forgetUser(userId);
    await users.deleteUser(this.db, userId);
    this.verified.forgetUser(userId);
    this.keys.forget(userId);
    await Promise.all(files.map((p) => rm(p, { force: true }).catch(() => undefined)));
  }

  async createApiToken(userId: string, name: string, expiresAt: Date | null) {
    const token = newToken('cvt');
    const id = randomUUID();
    const prefix = token.slice(0, 10);
    await sessions.insertApiToken(this.db, { id, userId, name, tokenHash: hashToken(token), prefix, expiresAt });
    return { id, name, prefix, token, expiresAt: expiresAt?.toISOString() ?? null };
  }

  async listApiTokens(userId: string) {
    return (await sessions.listApiTokens(this.db, userId)).map((t) => ({
      id: t.id,
      name: t.name,
      prefix: t.prefix,
      createdAt: new Date(t.created_at).toISOString(),
      lastUsedAt: t.last_used_at ? new Date(t.last_used_at).toISOString() : null,
      expiresAt: t.expires_at ? new Date(t.expires_at).toISOString() : null,
    }));
  }

  async revokeApiToken(userId: string, id: string): Promise<void> {
    const deleted = await sessions.deleteApiToken(this.db, userId, id);
    this.verified.forgetToken(id);
    if (!deleted) throw new NotFoundError('token');
  }

  private async newSession(userId: string): Promise<string> {
    const token = newToken('cvs');
    await sessions.insertSession(this.db, {
      id: randomUUID(),
      userId,
      tokenHash: hashToken(token),
      expiresAt: new Date(Date.now() + this.opts.sessionTtlS * 1000),
    });
    return token;
  }
}

export function normalizeEmail(email: string): string {
  const e = email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e) || e.length > 254) throw new AppError('validation_failed', 'Enter a valid email address.');
  return e;
}
