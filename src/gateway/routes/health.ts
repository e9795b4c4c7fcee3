import { Hono } from 'hono';
import type { AppEnv } from '../context.ts';

/** Liveness, readiness (each part's state) and Prometheus metrics. */
export function healthRoutes() {
  const app = new Hono<AppEnv>();

  app.get('/health', (c) => c.json({ status: 'ok' }));

  app.get('/health/ready', async (c) => {
    const parts: Record<string, unknown> = {};
    let ready = true;
    await Promise.all(
      c.var.deps.health.map(async (h) => {
        try {
          const r = await Promise.race([
            h.check(),
            new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timed out')), 3000).unref()),
          ]);
          parts[h.name] = r;
          if (h.required && !r.ok) ready = false;
        } catch (e) {
          parts[h.name] = { ok: false, error: (e as Error).message };
          if (h.required) ready = false;
        }
      }),
    );
    return c.json({ status: ready ? 'ready' : 'not_ready', ...parts }, ready ? 200 : 503);
  });

  app.get('/metrics', async (c) => {
    const { registry } = c.var.deps.metrics;
    return c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType });
  });

  return app;
}
