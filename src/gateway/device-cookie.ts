import { createHmac, randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { safeEqual } from '../lib/tokens.ts';
import type { AppEnv } from './context.ts';

/**
 * "This browser has signed in to this account before": a cookie set at a successful sign-in,
 * `<nonce>.<HMAC(email, nonce)>` under a key derived from the server's CSRF secret. It grants
 * nothing by itself; it only lets a correct password from the owner's own browser through
 * while strangers' failures are backing the account off (see src/vault/login-guard.ts).
 */
export const DEVICE_COOKIE = 'cv_device';
const MAX_AGE_S = 400 * 24 * 3600; // the longest lifetime browsers keep a cookie

const keyOf = (c: Context<AppEnv>) => createHmac('sha256', c.var.deps.csrfSecret).update('device-cookie/v1').digest();
const sign = (key: Buffer, email: string, nonce: string) => createHmac('sha256', key).update(`${email}\n${nonce}`).digest('base64url');

/** The device id when this request carries a device cookie signed for `email` (normalized), else undefined. */
export function knownDevice(c: Context<AppEnv>, email: string): string | undefined {
  const value = getCookie(c, DEVICE_COOKIE);
  const [nonce, sig, extra] = value?.split('.') ?? [];
  if (!nonce || !sig || extra !== undefined || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) return undefined;
  return safeEqual(sig, sign(keyOf(c), email, nonce)) ? nonce : undefined;
}

/** Marks this browser as one that signed in to `email`'s account (keeps its id when it had one). */
export function rememberDevice(c: Context<AppEnv>, email: string, device?: string): void {
  const nonce = device ?? randomBytes(18).toString('base64url');
  setCookie(c, DEVICE_COOKIE, `${nonce}.${sign(keyOf(c), email, nonce)}`, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: c.var.deps.config.PUBLIC_URL.startsWith('https:'),
    // Only the sign-in route reads it: it never travels with other requests.
    path: '/api/auth',
    maxAge: MAX_AGE_S,
  });
}
