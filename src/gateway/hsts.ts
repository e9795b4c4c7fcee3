import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './context.ts';

const HSTS = 'max-age=15552000; includeSubDomains';

/**
 * Strict-Transport-Security only on a response that travels over https: the gateway's own
 * address is https (PUBLIC_URL), or a proxy we trust (TRUST_PROXY) says the client came over
 * https. Over plain http the header is meaningless at best (RFC 6797 §7.2: browsers ignore it)
 * and, on a host that also serves something else over http, a trap once https appears.
 */
export function hstsOverHttps(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const { PUBLIC_URL, TRUST_PROXY } = c.var.deps.config;
    const forwarded = TRUST_PROXY ? c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() : undefined;
    const https = forwarded ? forwarded === 'https' : PUBLIC_URL.startsWith('https:') || new URL(c.req.url).protocol === 'https:';
    if (https) c.header('Strict-Transport-Security', HSTS);
  };
}
