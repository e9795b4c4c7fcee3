import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Opaque bearer secrets: random, prefixed by purpose, stored only as SHA-256 hashes. */
export function newToken(prefix: 'cvs' | 'cvt'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** CSRF token bound to a session: an HMAC of the session token's hash under a server secret. */
export function csrfFor(secret: Buffer, sessionToken: string): string {
  return createHmac('sha256', secret).update(hashToken(sessionToken)).digest('base64url');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
