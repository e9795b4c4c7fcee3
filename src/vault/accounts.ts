import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { Kysely } from 'kysely';
import { Algorithm, hash, verify } from '@node-rs/argon2';
import type { Database } from '../db/schema.ts';
import * as users from '../db/users.ts';
import * as sessions from '../db/sessions.ts';
import { AppError, ConflictError, NotFoundError, UnauthorizedError, ValidationError, WrongPasswordError } from '../errors.ts';
import { LoginGuard, type AttemptSource } from './login-guard.ts';
import { assertStrongPassword } from './password-strength.ts';
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
  private readonly guard: LoginGuard;
  private readonly deletedSteps: Array<(userId: string) => Promise<void>> = [];
  private readonly verified: AuthCache;
  private readonly beforeDelete: ((userId: string) => Promise<unknown>)[] = [];

  constructor(
    private readonly db: Kysely<Database>,
    private readonly keys: KeyService,
    private readonly opts: AccountsOptions,
  ) {
    this.guard = new LoginGuard(opts);
    this.verified = new AuthCache(opts.authCacheTtlMs ?? 5_000);
  }

  /** Creates the user, their data key and a first session, atomically. */
  async signup(email: string, password: string): Promise<{ token: string; user: UserView }> {
    const normalized = normalizeEmail(email);
    assertStrongPassword(password, [normalized]);
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

  /** `from` is the client's address, or the address and a device that proved an earlier sign-in to this account (see LoginGuard). */
  async login(email: string, password: string, from: string | AttemptSource): Promise<{ token: string; user: UserView }> {
    const normalized = normalizeEmail(email);
    const source = typeof from === 'string' ? { address: from } : from;
    this.guard.check(normalized, source);
    const row = await users.findUserByEmail(this.db, normalized);
    dummyHash ??= hash('not a real password', ARGON2_OPTIONS);
    const ok = row ? await verify(row.password_hash, password) : (await verify(await dummyHash, password), false);
    if (!row || !ok) {
      this.guard.failed(normalized, source);
      throw new UnauthorizedError('Wrong email or password.');
    }
    this.guard.succeeded(normalized, source);
    // Expired sessions no longer authenticate but would stay forever: a login sweeps them (every
    // user's), which keeps the table near the number of live sessions at no extra round trip's worth.
    await sessions.deleteExpiredSessions(this.db, new Date()).catch(() => undefined);
    return { token: await this.newSession(row.id), user: await this.user(row.id) };
  }

  /**
   * Checks the signed-in user's current password before something that cannot be undone
   * (account deletion, a new password): a session left open on a shared computer is not enough.
   * Wrong answers count in the same back-off as sign-ins.
   */
  async confirmPassword(userId: string, password: string, from: AttemptSource, field = 'password'): Promise<string> {
    const row = await users.findUserWithHashById(this.db, userId);
    if (!row) throw new NotFoundError('user');
    this.guard.check(row.email, from);
    if (!(await verify(row.password_hash, password))) {
      this.guard.failed(row.email, from);
      throw new WrongPasswordError(field);
    }
    this.guard.succeeded(row.email, from);
    return row.email;
  }

  /** Sets a new password; every other session of the user ends, `keepSessionId` (the one asking) stays. API tokens stay. */
  async changePassword(userId: string, currentPassword: string, newPassword: string, keepSessionId: string, from: AttemptSource): Promise<{ endedSessions: number }> {
    const email = await this.confirmPassword(userId, currentPassword, from, 'currentPassword');
    if (newPassword === currentPassword) {
      throw new ValidationError('The "newPassword" is the same as the current one.', [{ path: 'newPassword', message: 'must differ from the current password' }]);
    }
    assertStrongPassword(newPassword, [email], 'newPassword');
    const passwordHash = await hash(newPassword, ARGON2_OPTIONS);
    const ended = await this.db.transaction().execute(async (trx) => {
      await users.updatePasswordHash(trx, userId, passwordHash);
      return sessions.deleteOtherSessions(trx, userId, keepSessionId);
    });
    this.verified.forgetUser(userId);
    return { endedSessions: ended };
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
    // Work of the user still running (a streaming answer) ends first, so nothing writes after the rows are gone.
    for (const hook of this.beforeDelete) await hook(userId).catch(() => undefined);
    const files = (await users.listJobFilesToDelete(this.db, userId)).filter((p) => isAbsolute(p) && p.endsWith('.upload'));
    this.verified.forgetUser(userId);
    await users.deleteUser(this.db, userId);
    this.verified.forgetUser(userId);
    this.keys.forget(userId);
    await Promise.all(files.map((p) => rm(p, { force: true }).catch(() => undefined)));
    for (const step of this.deletedSteps) await step(userId).catch(() => undefined);
  }

  /**
   * A step run after an account is deleted, for what lives outside the database (an import's
   * temporary files, its running jobs): the modules that own those register it.
   */
  onDeleted(step: (userId: string) => Promise<void>): void {
    this.deletedSteps.push(step);
  }

  /** Registers work to end before an account's rows are deleted (its chat streams); awaited in order. */
  onDeleting(hook: (userId: string) => Promise<unknown>): void {
    this.beforeDelete.push(hook);
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
