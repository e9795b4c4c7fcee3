import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie } from 'hono/cookie';
import { z } from 'zod';
import type { AppEnv } from '../gateway/context.ts';
import { SESSION_COOKIE, requireAuth } from '../gateway/auth-middleware.ts';
import { readQuery } from '../gateway/validate.ts';
import { AppError } from '../errors.ts';
import { bundleText, bundleTooLarge } from './fhir/bundle-body.ts';
import type { SmartConnector } from './fhir/smart-connector.ts';
import type { BundleImports } from './fhir/bundle-import.ts';
import type { ClientSigningKeys } from './oauth/signing-keys.ts';

function back(c: Context<AppEnv>, params: Record<string, string>) {
  return c.redirect(`${c.var.deps.config.PUBLIC_URL}/#/connections?${new URLSearchParams(params)}`, 302);
}

/** `/api/integrations`: list, connect (302), callback, sync (202) and disconnect. */
export function integrationRoutes(connector: SmartConnector) {
  const app = new Hono<AppEnv>();

  // The provider sends the browser here: it carries the session cookie (SameSite=Lax allows a
  // top-level GET) and every outcome becomes a redirect to the web client, never a JSON error page.
  app.get('/:provider/callback', async (c) => {
    const providerId = c.req.param('provider');
    if (!connector.providers.has(providerId)) return back(c, { error: 'unknown_provider' });
    const auth = c.req.header('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? getCookie(c, SESSION_COOKIE);
    let who: { userId: string; sessionId: string };
    try {
      if (!auth) throw new Error('no session');
      const p = await c.var.deps.accounts.authenticate(auth, ['session']);
      who = { userId: p.userId, sessionId: p.tokenId };
    } catch {
      return back(c, { error: 'not_signed_in', provider: providerId });
    }
    const query = new URL(c.req.url).searchParams;
    let outcome: Awaited<ReturnType<SmartConnector['finishConnect']>>;
    try {
      outcome = await connector.finishConnect(who, providerId, query);
    } catch (e) {
      // Whatever broke (database, discovery, a bug), the browser goes back to the web client with a reason.
      c.var.deps.log.error({ provider: providerId, err: e instanceof Error ? e.name : 'unknown' }, 'connect callback failed');
      return back(c, { error: e instanceof AppError && /^[a-z_]{1,64}$/.test(e.code) ? e.code : 'connect_failed', provider: providerId });
    }
    return outcome.ok ? back(c, { connected: providerId, jobId: outcome.jobId }) : back(c, { error: outcome.code, provider: providerId });
  });

  app.use('*', requireAuth());

  app.get('/', async (c) => c.json({ integrations: await connector.list(c.var.principal.userId) }));

  app.get('/:provider/connect', async (c) => {
    const p = c.var.principal;
    const providerId = c.req.param('provider');
    try {
      const url = await connector.startConnect({ userId: p.userId, sessionId: p.tokenId }, providerId);
      return c.redirect(url.toString(), 302);
    } catch (e) {
      // A browser navigation: an unreachable provider is shown by the web client, not as JSON.
      if (e instanceof AppError && e.code === 'provider_unavailable') return back(c, { error: e.code, provider: providerId });
      throw e;
    }
  });

  app.post('/:provider/sync', async (c) => c.json(await connector.startSync(c.var.principal.userId, c.req.param('provider')), 202));

  app.delete('/:provider', async (c) => {
    await connector.disconnect(c.var.principal.userId, c.req.param('provider'));
    return c.body(null, 204);
  });

  return app;
}

const importQuery = z.object({ source: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'lower-case letters, digits, dashes').optional() }).strict();

/** The first file of a multipart form (curl -F file=@bundle.json), else its first text field. */
async function multipartBody(c: Context<AppEnv>): Promise<Uint8Array> {
  const form = await c.req.parseBody({ all: false });
  const values = Object.values(form);
  const file = values.find((v): v is File => typeof v === 'object' && v !== null && 'arrayBuffer' in v);
  if (file) return new Uint8Array(await file.arrayBuffer());
  const text = values.find((v): v is string => typeof v === 'string');
  if (text !== undefined) return new TextEncoder().encode(text);
  throw new AppError('bad_request', 'The form holds no file: send the FHIR Bundle as the body or as a form file.');
}

/**
 * `/api/imports/fhir-bundle`: a FHIR Bundle (JSON, or NDJSON of resources, optionally gzipped)
 * as the body → 202 {jobId, entries, source}. The content type is not trusted either way —
 * clients send octet-stream, text/plain or curl's form type — the body's first bytes decide.
 * Own body limit (the global one is bypassed).
 */
export function bundleImportRoutes(imports: BundleImports, maxBytes: number) {
  const app = new Hono<AppEnv>();
  app.use('/fhir-bundle', requireAuth());
  app.post(
    '/fhir-bundle',
    bodyLimit({ maxSize: maxBytes, onError: () => { throw bundleTooLarge(maxBytes); } }),
    async (c) => {
      const { source } = readQuery(c, importQuery);
      const type = (c.req.header('content-type') ?? '').toLowerCase();
      const bytes = type.startsWith('multipart/form-data') ? await multipartBody(c) : new Uint8Array(await c.req.arrayBuffer());
      const r = await imports.start(c.var.principal.userId, bundleText(bytes, maxBytes), source);
      return c.json({ jobId: r.jobId, entries: r.entries, source: r.source }, 202);
    },
  );
  return app;
}

/** `/.well-known/jwks.json`: the public keys providers use to verify our signed client assertions. */
export function jwksRoutes(keys: ClientSigningKeys) {
  const app = new Hono<AppEnv>();
  app.get('/.well-known/jwks.json', async (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(await keys.jwks());
  });
  return app;
}
