import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { Ollama } from 'ollama';
import type { Config } from '../config.ts';
import { LABEL_POOL, LABEL_ROLE, MODEL_PORT, MODELS_DIR, QUIET_OLLAMA_ENV } from './docker/container-spec.ts';
import { withTimeout } from './docker/model-engine.ts';
import { waitForOllama } from './docker/readiness.ts';
import { dockerAnswers, dockerFromConfig } from './create-model-pool.ts';

/** The named volume `models pull` fills when POOL_MODELS_VOLUME is unset. */
export const DEFAULT_MODELS_VOLUME = 'context-vault-models';

export class ModelsPullError extends Error {}

export interface PullOptions {
  docker?: Docker;
  /** One line per progress step (the CLI prints them). */
  onProgress?(line: string): void;
  /** A pull that reports nothing for this long is abandoned instead of hanging. */
  idleTimeoutMs?: number;
}

/**
 * `context-vault models pull`: fetches CHAT_MODEL and EMBED_MODEL into a named volume through a
 * one-off container of POOL_IMAGE on Docker's default bridge (POOL_PULL_NETWORK) — the one step
 * that has network.
 * Model containers later mount that volume read-only (POOL_MODELS_VOLUME) on their internal
 * network. Never pulls an image itself; fails with a message naming the fix.
 */
export async function pullModels(config: Config, opts: PullOptions = {}): Promise<{ volume: string; models: string[] }> {
  const docker = opts.docker ?? dockerFromConfig(config);
  const say = opts.onProgress ?? (() => undefined);
  if (!(await dockerAnswers(docker, 3000))) {
    throw new ModelsPullError(`No Docker engine answers${config.DOCKER_HOST ? ` at DOCKER_HOST=${config.DOCKER_HOST}` : ''}; models pull prepares models for the docker backend and needs one.`);
  }
  const image = await docker.getImage(config.POOL_IMAGE).inspect().catch(() => null);
  if (!image) {
    throw new ModelsPullError(`The model image ${config.POOL_IMAGE} is not present locally. Build it first (docker build -t ${config.POOL_IMAGE} -f containers/model/Dockerfile containers/model); images are never pulled implicitly.`);
  }
  const volume = config.POOL_MODELS_VOLUME ?? DEFAULT_MODELS_VOLUME;
  const volumes = await docker.listVolumes({ filters: { name: [volume] } });
  if (!volumes.Volumes?.some((v) => v.Name === volume)) {
    await docker.createVolume({ Name: volume, Labels: { [LABEL_ROLE]: 'models' } });
  }
  const models = [...new Set([config.CHAT_MODEL, config.EMBED_MODEL])];
  const container = await docker.createContainer({
    name: `cv-models-pull-${randomBytes(4).toString('hex')}`,
    Image: config.POOL_IMAGE,
    Env: [`OLLAMA_HOST=0.0.0.0:${MODEL_PORT}`, `OLLAMA_MODELS=${MODELS_DIR}`, 'OLLAMA_NO_CLOUD=1', ...QUIET_OLLAMA_ENV, 'HOME=/tmp'],
    // The pool label (no owner) makes a pull container left by a killed CLI an orphan that the
    // gateway reaps at its next start.
    Labels: { [LABEL_POOL]: config.POOL_INSTANCE ?? 'default', [LABEL_ROLE]: 'models-pull' },
    HostConfig: {
      // The one container with a route out: Docker's default bridge, or POOL_PULL_NETWORK in compose.
      NetworkMode: config.POOL_PULL_NETWORK,
      Mounts: [{ Type: 'volume', Source: volume, Target: MODELS_DIR, ReadOnly: false }],
      Tmpfs: { '/tmp': 'rw,nosuid,nodev,mode=1777' },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges:true'],
      LogConfig: { Type: 'none', Config: {} },
    },
  });
  try {
    await container.start();
    const info = await container.inspect();
    const ip = info.NetworkSettings.Networks[config.POOL_PULL_NETWORK]?.IPAddress;
    if (!ip) throw new ModelsPullError(`the pull container got no address on network ${config.POOL_PULL_NETWORK}`);
    // Inside compose the gateway resolves containers by name on a shared user-defined network.
    const host = `http://${config.POOL_CONNECT === 'name' ? info.Name.replace(/^\//, '') : ip}:${MODEL_PORT}`;
    await waitForOllama(host, Date.now() + 60_000);
    for (const model of models) await pullOne(host, model, say, opts.idleTimeoutMs ?? 120_000);
    if (!config.POOL_MODELS_VOLUME) say(`set POOL_MODELS_VOLUME=${volume} so model containers mount these weights (read-only)`);
    return { volume, models };
  } finally {
    await withTimeout(container.remove({ force: true }), 30_000, 'remove pull container').catch(() => undefined);
  }
}

async function pullOne(host: string, model: string, say: (line: string) => void, idleTimeoutMs: number): Promise<void> {
  const client = new Ollama({ host });
  say(`pulling ${model}`);
  try {
    const stream = await client.pull({ model, stream: true });
    const it = stream[Symbol.asyncIterator]();
    let lastShown = '';
    for (;;) {
      const step = await withTimeout(it.next(), idleTimeoutMs, `pulling ${model} (no progress)`).catch((e) => {
        client.abort();
        throw e;
      });
      if (step.done) break;
      const p = step.value;
      const line = p.total ? `${model}: ${p.status} ${Math.floor(((p.completed ?? 0) / p.total) * 100)}%` : `${model}: ${p.status}`;
      if (line !== lastShown) say((lastShown = line));
    }
  } catch (e) {
    throw new ModelsPullError(
      `pulling ${model} failed: ${(e as Error).message}. The pull container needs network access to the Ollama model registry; this is the only step that does.`,
    );
  }
}
