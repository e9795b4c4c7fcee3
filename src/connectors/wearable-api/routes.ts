import { Hono } from 'hono';
import type { AppEnv } from '../../gateway/context.ts';
import { requireAuth } from '../../gateway/auth-middleware.ts';
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
  app.use('*', requireAuth());
  const provider = (id: string | undefined) => {
    if (!id || !PROVIDER.test(id)) throw new AppError('bad_request', 'Unknown provider id.');
    return id;
  };

  app.get('/', async (c) => c.json({ providers: await service.list(c.var.principal.userId) }));

  app.get('/:provider/connect', async (c) => c.redirect(await service.beginConnect(c.var.principal.userId, provider(c.req.param('provider'))), 302));

  // The browser comes back here; after the code exchange it goes back to the web client.
  app.get('/:provider/callback', async (c) => {
    const id = provider(c.req.param('provider'));
    const q = c.req.query();
    const { jobId } = await service.completeConnect(c.var.principal.userId, id, { code: q.code, state: q.state, error: q.error });
    return c.redirect(`/?wearable=${encodeURIComponent(id)}&status=connected&jobId=${jobId}`, 302);
  });

  app.post('/:provider/sync', async (c) => c.json(await service.enqueueSync(c.var.principal.userId, provider(c.req.param('provider'))), 202));

  app.delete('/:provider', async (c) => {
    await service.disconnect(c.var.principal.userId, provider(c.req.param('provider')));
    return c.body(null, 204);
  });
  return app;
}
