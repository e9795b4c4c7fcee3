import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { routePath } from 'hono/route';

import { HTTPException } from 'hono/http-exception';
import type { AppDeps, AppEnv } from './context.ts';
import { AppError, PayloadTooLargeError, statusFor } from '../errors.ts';
import { authRoutes } from './routes/auth.ts';
import { FailureLimiter } from '../lib/rate-limiter.ts';
import { vaultRoutes } from './routes/vault.ts';
import { accountRoutes } from './routes/account-misc.ts';
import { healthRoutes } from './routes/health.ts';
import { chatRoutes } from './routes/chat.ts';
import { openAiRoutes } from './routes/openai.ts';
import { closeWhenBodyUnread } from './close-unread.ts';
import { hstsOverHttps } from './hsts.ts';

/** Builds the gateway from its dependencies. No I/O happens here; main.ts starts the server. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const limit = deps.config.MAX_BODY_BYTES;

  app.use('*', requestId({ headerName: 'X-Request-Id', limitLength: 64 }));
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    const log = deps.log.child({ reqId: c.var.requestId });
    c.set('log', log);
    const started = performance.now();
    await next();
    // After next(), routePath(c) names the route that answered (not a later, unrun match).
    const route = c.error || c.res.status !== 404 ? routePath(c) : 'unmatched';
    const seconds = (performance.now() - started) / 1000;
    const labels = { method: c.req.method, route };
    deps.metrics.httpRequests.inc({ ...labels, status: String(c.res.status) });
    deps.metrics.httpDuration.observe(labels, seconds);
    // Route pattern only: the raw URL may carry search words, which can be PHI.
    log.info({ method: c.req.method, route: labels.route, status: c.res.status, ms: Math.round(seconds * 1000) }, 'request');
  });
  app.use('*', closeWhenBodyUnread());
  app.use('*', secureHeaders({ crossOriginResourcePolicy: 'same-origin', referrerPolicy: 'no-referrer', strictTransportSecurity: false }));
  app.use('*', hstsOverHttps());
  // Every JSON API has the same body limit (a 413 before the body is buffered).
  const limitBody = bodyLimit({ maxSize: limit, onError: () => { throw new PayloadTooLargeError(limit); } });
  app.use('/api/*', async (c, next) => {
    c.header('Cache-Control', 'no-store');
    // Imports stream large uploads to disk and enforce their own (larger) limit.
    if (c.req.path.startsWith('/api/imports/')) return next();
    return limitBody(c, next);
  });
  app.use('/v1/*', limitBody);

  app.route('/', healthRoutes());
  // Per app, not per module: each gateway (and each test runtime) counts its own sign-ups.
  const signupsPerAddress = new FailureLimiter(deps.config.SIGNUP_MAX_PER_ADDRESS, deps.config.LOGIN_WINDOW_S * 1000);
  app.route('/api', authRoutes({ signupsPerAddress }));
  app.route('/api/vault', vaultRoutes());
  app.route('/api', accountRoutes());
  app.route('/api', chatRoutes());
  app.route('/v1', openAiRoutes());
  for (const m of deps.mounts ?? []) app.route(m.path, m.app);

  app.notFound((c) => c.json({ error: { code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}.`, requestId: c.var.requestId } }, 404));

  app.onError((err, c) => {
    const requestId = c.var.requestId;
    if (err instanceof AppError) {
      const status = statusFor(err.code);
      for (const [k, v] of Object.entries(err.headers ?? {})) c.header(k, v);
      const body: Record<string, unknown> = { code: err.code, message: err.message, requestId };
      if (err.details !== undefined) body.details = err.details;
      if (status >= 500) c.var.log?.error({ code: err.code }, 'request failed');
      return c.json({ error: body }, status as 400);
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      const code = status === 413 ? 'payload_too_large' : status === 401 ? 'unauthorized' : 'bad_request';
      return c.json({ error: { code, message: err.message || 'Bad request.', requestId } }, status);
    }
    // Unknown errors: log the class and stack location, never the message (it may echo input).
    c.var.log?.error({ err: { name: err.name, stack: err.stack?.split('\n').slice(0, 4).join(' | ') } }, 'unhandled error');
    return c.json({ error: { code: 'internal', message: 'Something went wrong on our side.', requestId } }, 500);
  });

  return app;
}
