import Docker from 'dockerode';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { HealthCheck } from '../gateway/context.ts';
import type { Metrics } from '../lib/metrics.ts';
import { DockerModelPool } from './docker/docker-model-pool.ts';
import { DetectingModelPool } from './detecting-model-pool.ts';
import { ExternalModelPool } from './external-model-pool.ts';
import type { ModelPool } from './model-pool.ts';
import { PoolMetrics } from './pool-metrics.ts';

/** A dockerode client for DOCKER_HOST (unix:// or tcp://), else the default socket. */
export function dockerFromConfig(config: Pick<Config, 'DOCKER_HOST'>): Docker {
  const h = config.DOCKER_HOST;
  if (!h) return new Docker({ socketPath: '/var/run/docker.sock' });
  if (h.startsWith('unix://')) return new Docker({ socketPath: h.slice('unix://'.length) });
  if (h.startsWith('/')) return new Docker({ socketPath: h });
  const u = new URL(h.replace(/^tcp:/, 'http:'));
  return new Docker({ host: u.hostname, port: Number(u.port || 2375), protocol: 'http' });
}

/** True when a Docker engine answers a ping within `timeoutMs`. */
export async function dockerAnswers(docker: Docker, timeoutMs = 1500): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Chooses the backend as the contract says: MODEL_BACKEND if set; otherwise `docker` when a
 * Docker engine answers, else `external` when OLLAMA_URL is set, else a pool that reports
 * "no model backend configured", refuses leases and keeps looking for a Docker engine in the
 * background (an engine that was merely slow at start is used once it answers). The pool is
 * not started here.
 */
export async function createModelPool(
  config: Config,
  deps: { log: Logger; metrics: Metrics; docker?: Docker; detectDelayMs?: { initial: number; max: number } },
): Promise<ModelPool> {
  const log = deps.log.child({ subsystem: 'pool' });
  const metrics = new PoolMetrics(deps.metrics.registry);
  const docker = deps.docker ?? dockerFromConfig(config);
  let backend = config.MODEL_BACKEND;
  if (!backend) {
    if (await dockerAnswers(docker)) backend = 'docker';
    else if (config.OLLAMA_URL) backend = 'external';
  }
  const models = { chat: config.CHAT_MODEL, embed: config.EMBED_MODEL };
  if (backend === 'external' && config.OLLAMA_URL) {
    log.info({ backend }, 'model backend: external Ollama (not ephemeral)');
    return new ExternalModelPool({
      url: config.OLLAMA_URL,
      chatModel: config.CHAT_MODEL,
      embedModel: config.EMBED_MODEL,
      idleTimeoutMs: config.POOL_STREAM_IDLE_MS,
      numCtx: config.NUM_CTX,
      log,
      metrics,
    });
  }
  if (backend === 'docker') {
    log.info({ backend, image: config.POOL_IMAGE }, 'model backend: ephemeral Docker containers');
    return new DockerModelPool({ docker, config, log, metrics });
  }
  // Only reached with MODEL_BACKEND unset (config refuses `external` without OLLAMA_URL).
  log.warn('no model backend yet: no Docker engine answers and OLLAMA_URL is unset; looking for the engine in the background');
  return new DetectingModelPool({
    // A loaded engine may take seconds to answer; once the gateway is up there is no hurry.
    probe: () => dockerAnswers(docker, 5000),
    makeDockerPool: () => new DockerModelPool({ docker, config, log, metrics }),
    models,
    log,
    initialDelayMs: deps.detectDelayMs?.initial,
    maxDelayMs: deps.detectDelayMs?.max,
  });
}

/**
 * The pool's part of /health/ready. It is required (503 when down) only when the operator chose
 * a backend explicitly; a gateway that merely found no model still serves the vault.
 */
export function poolHealthCheck(pool: ModelPool, required: boolean): HealthCheck {
  return {
    name: 'model',
    required,
    async check() {
      const h = await pool.health();
      return { ...h };
    },
  };
}
