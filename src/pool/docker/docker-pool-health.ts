import type { PoolHealth } from '../model-pool.ts';
import type { PoolConfigView } from './pool-config.ts';
import type { SlotCounts } from './slots.ts';

export interface DockerPoolState {
  closed: boolean;
  engineUp: boolean;
  initialized: boolean;
  blocked: string | undefined;
  models: { chat: boolean | null; embed: boolean | null };
  counts: SlotCounts;
  queued: number;
}

/** The Docker pool's part of /health/ready: backend, counts, model presence and why it is not ok. */
export function dockerPoolHealth(s: DockerPoolState, c: PoolConfigView): PoolHealth & { idle: number; engine: 'up' | 'down' } {
  const detail = s.closed
    ? 'shutting down'
    : !s.engineUp
      ? 'the Docker engine is not reachable'
      : (s.blocked ?? (s.initialized ? `ephemeral containers of ${c.POOL_IMAGE} on internal network ${c.POOL_NETWORK}` : 'starting'));
  return {
    ok: !s.closed && s.engineUp && !s.blocked && s.initialized && s.models.chat !== false,
    backend: 'docker',
    ephemeral: true,
    warm: s.counts.warm,
    busy: s.counts.busy,
    starting: s.counts.starting,
    idle: s.counts.idle,
    queued: s.queued,
    chatModel: { name: c.CHAT_MODEL, present: s.models.chat },
    embedModel: { name: c.EMBED_MODEL, present: s.models.embed },
    engine: s.engineUp ? 'up' : 'down',
    detail,
  };
}
