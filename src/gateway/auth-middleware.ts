import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { CsrfError, UnauthorizedError } from '../errors.ts';
import { csrfFor, safeEqual } from '../lib/tokens.ts';
import type { Principal } from '../vault/accounts.ts';
import type { AppEnv } from './context.ts';

export const SESSION_COOKIE = 'cv_session';
export const CSRF_COOKIE = 'cv_csrf';
export const CSRF_HEADER = 'x-csrf-token';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

function bearer(c: Context): string | undefined {
  const h = c.req.header('authorization');
  const m = h?.match(/^Bearer\s+(\S+)$/i);
  return m?.[1];
}

/**
 * Authenticates by `Authorization: Bearer` (session or personal API token) or by the session
 * cookie. Cookie-authenticated unsafe requests must echo the CSRF token in X-CSRF-Token.
 */
export function requireAuth(allow: ReadonlyArray<Principal['via']> = ['session']): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { accounts, csrfSecret } = c.var.deps;
    const header = bearer(c);
    let principal: Principal;
    if (header) {
      principal = await accounts.authenticate(header, allow);
    } else {
      const cookie = getCookie(c, SESSION_COOKIE);
      if (!cookie) throw new UnauthorizedError();
      principal = await accounts.authenticate(cookie, ['session']);
      if (!SAFE.has(c.req.method)) {
        const sent = c.req.header(CSRF_HEADER) ?? '';
        if (!sent || !safeEqual(sent, csrfFor(csrfSecret, cookie))) throw new CsrfError();
      }
    }
    c.set('principal', principal);
    await next();
  };
}

/** The raw session secret of this request (for logout), from the header or the cookie. */
export function sessionSecret(c: Context): string | undefined {
  return bearer(c) ?? getCookie(c, SESSION_COOKIE);
}
