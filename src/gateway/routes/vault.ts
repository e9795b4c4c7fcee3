import { Hono } from 'hono';
import type { AppEnv } from '../context.ts';
import { requireAuth } from '../auth-middleware.ts';
import { idParam, readJson, readQuery } from '../validate.ts';
import { textStream } from '../../lib/text-stream.ts';
import { itemPatchSchema, listQuerySchema, newItemSchema, permissionsSchema, ruleSchema } from '../../vault/item-input.ts';

/** Items, permissions, sharing rules and export. */
export function vaultRoutes() {
  const app = new Hono<AppEnv>();
  app.use('*', requireAuth());

  app.get('/items', async (c) => c.json(await c.var.deps.items.list(c.var.principal.userId, readQuery(c, listQuerySchema))));

  app.post('/items', async (c) => {
    const body = await readJson(c, newItemSchema);
    // With a sourceId already in the vault this is a re-import of that item: 200, same id.
    const { item, created } = await c.var.deps.items.save(c.var.principal.userId, body);
    return c.json(item, created ? 201 : 200);
  });

  app.get('/items/:id', async (c) => c.json(await c.var.deps.items.get(c.var.principal.userId, idParam(c))));

  app.patch('/items/:id', async (c) => {
    const id = idParam(c);
    const body = await readJson(c, itemPatchSchema);
    return c.json(await c.var.deps.items.update(c.var.principal.userId, id, body));
  });

  app.delete('/items/:id', async (c) => {
    await c.var.deps.items.delete(c.var.principal.userId, idParam(c));
    return c.body(null, 204);
  });

  app.put('/items/:id/permissions', async (c) => {
    const id = idParam(c);
    const body = await readJson(c, permissionsSchema);
    return c.json(await c.var.deps.items.setPermissions(c.var.principal.userId, id, body));
  });

  app.get('/summary', async (c) => c.json(await c.var.deps.items.summary(c.var.principal.userId)));

  app.get('/rules', async (c) => c.json({ rules: await c.var.deps.rules.list(c.var.principal.userId) }));

  app.post('/rules', async (c) => {
    const body = await readJson(c, ruleSchema);
    return c.json(await c.var.deps.rules.create(c.var.principal.userId, body), 201);
  });

  app.delete('/rules/:id', async (c) => {
    await c.var.deps.rules.delete(c.var.principal.userId, idParam(c));
    return c.body(null, 204);
  });

  app.get('/export', async (c) => {
    const { accounts, items, rules, conversations } = c.var.deps;
    const pieces = await accounts.exportAccount(c.var.principal.userId, { items, rules, conversations });
    const log = c.var.log;
    // Streamed as it is read (constant memory, however large the vault); a failure midway cuts the body short.
    const body = textStream(pieces, (e) => log.error({ err: (e as Error)?.name, code: (e as { code?: string })?.code }, 'export stream failed'));
    return c.body(body, 200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': 'attachment; filename="context-vault-export.json"',
      'Cache-Control': 'no-store',
    });
  });

  return app;
}
