import { Hono, type Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { getConnInfo } from '@hono/node-server/conninfo';
import { z } from 'zod';
import type { AppEnv } from '../context.ts';
import { CSRF_COOKIE, SESSION_COOKIE, requireAuth, sessionSecret } from '../auth-middleware.ts';
import { readJson } from '../validate.ts';
import { csrfFor } from '../../lib/tokens.ts';
import type { FailureLimiter } from '../../lib/rate-limiter.ts';
import { RateLimitedError } from '../../errors.ts';
import { normalizeEmail } from '../../vault/accounts.ts';
import type { AttemptSource } from '../../vault/login-guard.ts';
import { DEVICE_COOKIE, knownDevice, rememberDevice } from '../device-cookie.ts';

const credentials = z
  .object({
    email: z.string().min(3).max(254),
    password: z.string().min(10, 'must be at least 10 characters').max(512),
  })
  .strict();
const loginBody = credentials.extend({ password: z.string().min(1).max(512) }).strict();
const confirmBody = z.object({ password: z.string().min(1).max(512) }).strict();
const passwordChangeBody = z
  .object({
    currentPassword: z.string().min(1).max(512),
    newPassword: credentials.shape.password,
  })
  .strict();

/** The client's address, or undefined when the request came without a connection (in-process). */
function clientAddress(c: Context<AppEnv>): string | undefined {
  if (c.var.deps.config.TRUST_PROXY) {
    const fwd = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (fwd) return fwd;
  }
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

/**
 * The source of a password confirmation by a signed-in user: their session stands for the
 * device, so strangers' failed sign-ins never stop the owner from confirming.
 */
function sessionSource(c: Context<AppEnv>): AttemptSource {
  return { address: clientAddress(c) ?? 'local', device: `session:${c.var.principal.tokenId}` };
}

function startSession(c: Context<AppEnv>, token: string) {
  const { config, csrfSecret } = c.var.deps;
  const secure = config.PUBLIC_URL.startsWith('https:');
  const csrfToken = csrfFor(csrfSecret, token);
  setCookie(c, SESSION_COOKIE, token, { httpOnly: true, sameSite: 'Lax', secure, path: '/', maxAge: config.SESSION_TTL_S });
  setCookie(c, CSRF_COOKIE, csrfToken, { httpOnly: false, sameSite: 'Lax', secure, path: '/', maxAge: config.SESSION_TTL_S });
  return csrfToken;
}

export interface AuthRouteOptions {
  /**
   * Sign-up attempts per client address (SIGNUP_MAX_PER_ADDRESS in LOGIN_WINDOW_S). Every
   * attempt that reaches the service counts, successful or not: each costs a 19 MiB argon2
   * hash. A request without an address (in-process) has nothing to key on and is not counted.
   */
  signupsPerAddress: FailureLimiter;
}

/** Sign-up, sign-in, sign-out and the account itself. */
export function authRoutes(opts: AuthRouteOptions) {
  const app = new Hono<AppEnv>();

  app.post('/auth/signup', async (c) => {
    const body = await readJson(c, credentials);
    const address = clientAddress(c);
    if (address !== undefined) {
      const wait = opts.signupsPerAddress.retryAfter(address);
      if (wait > 0) throw new RateLimitedError(wait, 'Too many sign-ups from this address; try again later.');
      opts.signupsPerAddress.fail(address);
    }
    const { token, user } = await c.var.deps.accounts.signup(body.email, body.password);
    rememberDevice(c, user.email);
    return c.json({ token, user, csrfToken: startSession(c, token) }, 201);
  });

  app.post('/auth/login', async (c) => {
    const body = await readJson(c, loginBody);
    const email = normalizeEmail(body.email);
    const device = knownDevice(c, email);
    const { token, user } = await c.var.deps.accounts.login(email, body.password, { address: clientAddress(c) ?? 'local', device });
    rememberDevice(c, user.email, device);
    return c.json({ token, user, csrfToken: startSession(c, token) });
  });

  // A new password needs the current one; other sessions end (a thief's among them), this one stays.
  app.post('/auth/password', requireAuth(), async (c) => {
    const body = await readJson(c, passwordChangeBody);
    const { userId, tokenId } = c.var.principal;
    const { endedSessions } = await c.var.deps.accounts.changePassword(userId, body.currentPassword, body.newPassword, tokenId, sessionSource(c));
    c.var.log.info({ userId, endedSessions }, 'password changed');
    return c.json({ endedSessions });
  });

  app.post('/auth/logout', requireAuth(), async (c) => {
    const secret = sessionSecret(c);
    if (secret) await c.var.deps.accounts.logout(secret);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    deleteCookie(c, CSRF_COOKIE, { path: '/' });
    return c.body(null, 204);
  });

  app.get('/me', requireAuth(), async (c) => {
    const { accounts, items, csrfSecret } = c.var.deps;
    const userId = c.var.principal.userId;
    const secret = sessionSecret(c)!;
    return c.json({
      user: await accounts.user(userId),
      csrfToken: csrfFor(csrfSecret, secret),
      vault: await items.summary(userId),
    });
  });

  app.delete('/me', requireAuth(), async (c) => {
    // Deleting everything cannot be undone: an open session alone (a shared computer) is not enough.
    const body = await readJson(c, confirmBody);
    await c.var.deps.accounts.confirmPassword(c.var.principal.userId, body.password, sessionSource(c));
    await c.var.deps.accounts.deleteAccount(c.var.principal.userId);
    c.var.log.info({ userId: c.var.principal.userId }, 'account deleted');
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    deleteCookie(c, CSRF_COOKIE, { path: '/' });
    // A new account under the same email must not inherit this browser as a known device.
    deleteCookie(c, DEVICE_COOKIE, { path: '/api/auth' });
    return c.body(null, 204);
  });

  return app;
}
