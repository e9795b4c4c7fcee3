import type { AppDeps } from '../../gateway/context.ts';
import { registerErrorStatus } from '../../errors.ts';
import type { KeyService } from '../../vault/keys.ts';
import type { TimeSeriesStore } from '../timeseries/store.ts';
import { ouraProvider } from '../oura/provider.ts';
import { WearableConnections } from './connections.ts';
import type { WearableProvider } from './provider.ts';
import { wearableRoutes } from './routes.ts';
import { WEARABLE_SYNC_JOB, WearableApiService } from './service.ts';
import { WearableSync } from './sync.ts';

registerErrorStatus('oauth_state_invalid', 400);
registerErrorStatus('oauth_denied', 400);
registerErrorStatus('upstream_rate_limited', 503);

/**
 * Wires the live wearable APIs: the providers enabled by configuration (Oura today), the
 * `wearable.sync` job and `/api/wearables` routes. With no provider configured the list is
 * empty and connecting answers 404.
 */
export function wireWearableApis(deps: AppDeps, keys: KeyService, store: TimeSeriesStore): WearableApiService {
  const providers = [ouraProvider(deps.config)].filter((p): p is WearableProvider => p !== null);
  const log = deps.log.child({ subsystem: 'wearables' });
  const connections = new WearableConnections(deps.db, keys, log);
  const service = new WearableApiService(deps.db, keys, connections, deps.jobs, providers, deps.config.PUBLIC_URL);
  const sync = new WearableSync(deps.db, connections, store, log);
  deps.jobs.register<{ provider: string }>(WEARABLE_SYNC_JOB, {
    // Safe to run again after a crash: it resumes from the last committed window.
    resumable: true,
    unit: 'days',
    async run(ctx) {
      if (!ctx.userId) throw new Error('a sync job needs a user');
      return sync.sync(ctx.userId, service.provider(ctx.params.provider), { signal: ctx.signal, progress: (done, total) => ctx.progress(done, total, 'days') });
    },
  });
  deps.mounts ??= [];
  deps.mounts.push({ path: '/api/wearables', app: wearableRoutes(service) });
  deps.health.push({
    name: 'wearables',
    required: false,
    async check() {
      return { ok: true, providers: providers.map((p) => p.id) };
    },
  });
  return service;
}
