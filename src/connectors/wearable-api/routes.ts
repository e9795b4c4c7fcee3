import { Hono } from 'hono';
import type { AppEnv } from '../../gateway/context.ts';
import { requireAuth, sessionSecret } from '../../gateway/auth-middleware.ts';
import { AppError } from '../../errors.ts';
import type { WearableApiService } from './service.ts';

const PROVIDER = /^[a-z0-9][a-z0-9-]{0,40}$/;

/**
 * `/api/wearables`: the integrations shape of DESIGN.md under its own prefix —
 * list, `:provider/connect` (302), `:provider/callback`, `POST :provider/sync` (202 {jobId}),
 * `DELETE :provider`.
 */
export function wearableRoutes(service: WearableApiService): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  // The browser comes back here from the provider: every outcome, failures included, goes back
  // to the web client as a redirect it can explain (never a JSON page), and nothing is stored
  // unless the whole exchange succeeded. Registered before the JSON auth middleware below.
  app.get('/:provider/callback', async (c) => {
    const id = c.req.param('provider');
    const back = (status: string, extra = '') => c.redirect(`/?wearable=${encodeURIComponent(id)}&status=${encodeURIComponent(status)}${extra}`, 302);
    if (!PROVIDER.test(id)) return back('unknown_provider');
    const secret = sessionSecret(c);
    let userId: string;
    try {
      if (!secret) throw new Error('no session');
      userId = (await c.var.deps.accounts.authenticate(secret, ['session'])).userId;
    } catch {
      return back('not_signed_in');
    }
    const q = c.req.query();
    try {
      const { jobId } = await service.completeConnect(userId, id, { code: q.code, state: q.state, error: q.error });
      return back('connected', `&jobId=${jobId}`);
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      const code = e.code === 'oauth_denied' ? 'access_denied' : e.code === 'oauth_state_invalid' ? 'invalid_state' : e.code;
      c.var.log.warn({ provider: id, code }, 'wearable connect failed');
      return back(code);
    }
  });

  app.use('*', requireAuth());
  const provider = (id: string | undefined) => {
    if (!id || !PROVIDER.test(id)) throw new AppError('bad_request', 'Unknown provider id.');
    return id;
  };

  app.get('/', async (c) => c.json({ providers: await service.list(c.var.principal.userId) }));

  app.get('/:provider/connect', async (c) => c.redirect(await service.beginConnect(c.var.principal.userId, provider(c.req.param('provider'))), 302));

  app.post('/:provider/sync', async (c) => c.json(await service.enqueueSync(c.var.principal.userId, provider(c.req.param('provider'))), 202));

  app.delete('/:provider', async (c) => {
    await service.disconnect(c.var.principal.userId, provider(c.req.param('provider')));
    return c.body(null, 204);
  });
  return app;
}
