import type { Config } from '../../config.ts';

/** The configuration the Docker pool reads (a slice of Config, so tests can build it small). */
export type PoolConfigView = Pick<
  Config,
  | 'POOL_IMAGE' | 'POOL_MIN_WARM' | 'POOL_MAX_CONTAINERS' | 'POOL_MAX_REQUESTS' | 'POOL_MAX_AGE_S' | 'POOL_MEMORY_MB'
  | 'POOL_CPUS' | 'POOL_PIDS_LIMIT' | 'POOL_NETWORK' | 'POOL_QUEUE_MAX' | 'POOL_LEASE_TIMEOUT_MS' | 'POOL_INSTANCE'
  | 'POOL_STREAM_IDLE_MS' | 'POOL_START_TIMEOUT_MS' | 'POOL_CONNECT' | 'POOL_MODELS_VOLUME' | 'CHAT_MODEL' | 'EMBED_MODEL' | 'NUM_CTX'
>;

/** Background cadences of the Docker pool (code options, not configuration: tests shorten them). */
export interface DockerPoolTimings {
  /** First retry of a blocked pool (image or chat model missing); later ones wait twice as long. */
  blockedRetryMs: number;
  /** How long a ready container may sit without a sign of life before GET /api/version probes it; 0 turns probing off. */
  idleProbeMs: number;
  idleProbeTimeoutMs: number;
  /** First delay before subscribing to Docker events again after the stream ended. */
  eventsRetryMs: number;
  /** Background Docker work waits for a quiet moment (QuietGate): this long without lease activity counts as one... */
  quietIdleMs: number;
  /** ...and it never waits longer than this; 0 turns the waiting off. */
  quietMaxDelayMs: number;
}

export const DEFAULT_TIMINGS: DockerPoolTimings = {
  blockedRetryMs: 15_000,
  idleProbeMs: 10_000,
  idleProbeTimeoutMs: 2_000,
  eventsRetryMs: 500,
  quietIdleMs: 250,
  quietMaxDelayMs: 1_000,
};
