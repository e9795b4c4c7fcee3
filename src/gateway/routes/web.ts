import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv } from '../context.ts';

/** The Vite build output (src/web/vite.config.ts writes it; `npm install` runs the build). */
export const WEB_DIST_DIR = fileURLToPath(new URL('../../../dist/web', import.meta.url));

/** Paths the client never owns: the SPA fallback must not answer for them. */
const SERVER_PATH = /^\/(api|v1|health|metrics|\.well-known)(\/|$)/;

/**
 * The web client's page policy: scripts, styles and connections from our own origin only,
 * so neither model output nor record text can ever run code or pull in anything else.
 */
const pagePolicy = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
  crossOriginResourcePolicy: 'same-origin',
  referrerPolicy: 'no-referrer',
});

/**
 * Serves the built web client: hashed assets under /assets/* (precompressed, cached for
 * a year since their names change with their content) and index.html for every other
 * non-API GET, so client-side routes like /vault/<id> survive a reload.
 */
export function webRoutes(distDir: string = WEB_DIST_DIR) {
  const app = new Hono<AppEnv>();
  const indexPath = join(distDir, 'index.html');
  app.use('*', async (c, next) => {
    if (SERVER_PATH.test(c.req.path) || (c.req.method !== 'GET' && c.req.method !== 'HEAD')) return next();
    return pagePolicy(c, next);
  });

  app.use('/assets/*', async (c, next) => {
    await next();
    if (c.res.status === 200) c.res.headers.set('Cache-Control', 'public, max-age=31536000, immutable');
  });
  app.use('/assets/*', serveStatic({ root: distDir, precompressed: true }));

  app.use('*', async (c, next) => {
    const method = c.req.method;
    if ((method !== 'GET' && method !== 'HEAD') || SERVER_PATH.test(c.req.path) || c.req.path.startsWith('/assets/')) return next();
    // A missing file with an extension is a real 404, not a client route.
    if (/\.[a-z0-9]+$/i.test(c.req.path)) return next();
    if (!existsSync(indexPath)) {
      return c.text('The web client is not built yet: run `npm run build:web` (npm install does it).', 503);
    }
    c.header('Cache-Control', 'no-cache');
    return c.html(readFileSync(indexPath, 'utf8'));
  });

  return app;
}
