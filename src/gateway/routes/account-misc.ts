import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../context.ts';
import { requireAuth } from '../auth-middleware.ts';
import { idParam, readJson, readQuery } from '../validate.ts';
import { isoDate } from '../../vault/item-input.ts';

const disclosureQuery = z
  .object({
    conversationId: z.string().uuid().optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
    before: isoDate.optional(),
  })
  .strict();

const tokenBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    // A token that is dead from birth is a mistake (a date typed in the past), not a wish.
    expiresAt: isoDate.refine((s) => Date.parse(s) > Date.now(), 'must be in the future (or null for a token that does not expire)').nullable().optional(),
  })
  .strict();

/** Audit (disclosures), jobs and personal API tokens. */
export function accountRoutes() {
  const app = new Hono<AppEnv>();
  // Per-path middleware: this group is mounted at /api beside others, so no catch-all here.
  // Hono's `/x/*` also matches `/x`: one pattern per prefix, so a request is authenticated once.
  for (const path of ['/audit/*', '/jobs/*', '/tokens/*']) app.use(path, requireAuth());

  app.get('/audit/disclosures', async (c) =>
    c.json({ disclosures: await c.var.deps.audit.list(c.var.principal.userId, readQuery(c, disclosureQuery)) }),
  );

  app.get('/jobs', async (c) => c.json({ jobs: await c.var.deps.jobs.list(c.var.principal.userId) }));
  app.get('/jobs/:id', async (c) => c.json(await c.var.deps.jobs.get(c.var.principal.userId, idParam(c))));

  app.get('/tokens', async (c) => c.json({ tokens: await c.var.deps.accounts.listApiTokens(c.var.principal.userId) }));
  app.post('/tokens', async (c) => {
    const body = await readJson(c, tokenBody);
    const t = await c.var.deps.accounts.createApiToken(c.var.principal.userId, body.name, body.expiresAt ? new Date(body.expiresAt) : null);
    return c.json(t, 201);
  });
  app.delete('/tokens/:id', async (c) => {
    await c.var.deps.accounts.revokeApiToken(c.var.principal.userId, idParam(c));
    return c.body(null, 204);
  });

  return app;
}
