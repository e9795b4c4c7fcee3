import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import pino from 'pino';
import { describe } from 'vitest';
import { loadConfig, type Config } from '../../../src/config.ts';
import { DockerModelPool } from '../../../src/pool/docker/docker-model-pool.ts';
import type { DockerPoolTimings } from '../../../src/pool/docker/pool-config.ts';
import { LABEL_OWNER, LABEL_POOL } from '../../../src/pool/docker/container-spec.ts';
import { PoolMetrics } from '../../../src/pool/pool-metrics.ts';
import { Metrics } from '../../../src/lib/metrics.ts';

export const TEST_IMAGE = 'context-vault/test-model:latest';
export const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

function engineAnswers(): boolean {
  return spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 5000 }).status === 0;
}

/**
 * `describe` for tests that need a Docker engine: skipped when none answers, unless
 * CV_REQUIRE_DOCKER=1 (CI), where the suite runs and fails loudly instead.
 */
export const describeDocker: typeof describe =
  engineAnswers() || process.env.CV_REQUIRE_DOCKER === '1' ? describe : (describe.skip as typeof describe);

/** The hash containers/build-test-images.sh puts on the image as a label. */
function testModelRevision(): string {
  const src = ['server.mjs', 'model-logic.mjs'].map((f) => readFileSync(join(root, 'containers/test-model', f)));
  return createHash('sha256').update(Buffer.concat(src)).digest('hex').slice(0, 16);
}

/** Builds the test model image if it is missing or older than its sources (CI builds it first with the same script). */
export function ensureTestImage(): void {
  if (!engineAnswers()) throw new Error('CV_REQUIRE_DOCKER=1 but no Docker engine answers');
  const r = spawnSync('docker', ['image', 'inspect', '-f', '{{index .Config.Labels "context-vault.test-model.rev"}}', TEST_IMAGE], { encoding: 'utf8' });
  if (r.status !== 0 || r.stdout.trim() !== testModelRevision()) execFileSync(join(root, 'containers/build-test-images.sh'), { stdio: 'inherit' });
}

/**
 * A variant of the test image with extra ENV (the test server's switches, e.g. TEST_MODELS or
 * TEST_MODEL_LOAD_DELAY_MS), tagged `tag`; built locally from the test image, no registry.
 */
export function testImageWith(tag: string, env: Record<string, string>): string {
  const dockerfile = `FROM ${TEST_IMAGE}\n${Object.entries(env).map(([k, v]) => `ENV ${k}=${JSON.stringify(v)}`).join('\n')}\n`;
  execFileSync('docker', ['build', '--quiet', '-t', tag, '-'], { input: dockerfile, stdio: ['pipe', 'ignore', 'inherit'] });
  return tag;
}

export async function removeImage(tag: string): Promise<void> {
  await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
}

/** A pool config with a unique instance and network so parallel tests never touch each other. */
export function poolConfig(env: Record<string, string> = {}): Config {
  const id = randomBytes(3).toString('hex');
  return loadConfig({
    POOL_IMAGE: TEST_IMAGE,
    POOL_INSTANCE: `t${id}`,
    POOL_NETWORK: `cv-test-models-${id}`,
    POOL_MEMORY_MB: '256',
    POOL_CPUS: '0.5',
    POOL_PIDS_LIMIT: '64',
    POOL_MIN_WARM: '1',
    POOL_MAX_CONTAINERS: '2',
    CHAT_MODEL: 'test-chat',
    EMBED_MODEL: 'test-embed',
    POOL_STREAM_IDLE_MS: '3000',
    LOG_LEVEL: 'silent',
    ...env,
  });
}

export function makePool(config: Config, opts: { docker?: Docker; metrics?: Metrics; timings?: Partial<DockerPoolTimings>; log?: pino.Logger } = {}): DockerModelPool {
  return new DockerModelPool({
    docker: opts.docker ?? docker,
    config,
    timings: opts.timings,
    log: opts.log ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    metrics: new PoolMetrics((opts.metrics ?? new Metrics()).registry),
  });
}

/** Containers carrying the instance label (any owner), running or not. */
export async function labelled(instance: string, owner?: string): Promise<Docker.ContainerInfo[]> {
  const label = owner ? [`${LABEL_OWNER}=${owner}`] : [`${LABEL_POOL}=${instance}`];
  return docker.listContainers({ all: true, filters: { label } });
}

/** Removes everything a test created under `instance` and the named networks, whatever happened. */
export async function cleanup(instance: string, networks: string[]): Promise<void> {
  const left = await labelled(instance).catch(() => []);
  await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  for (const n of networks) await docker.getNetwork(n).remove().catch(() => undefined);
}

/**
 * Runs `docker exec` of node code in a container; returns its output and exit code. Async, so the
 * test process keeps serving its sockets meanwhile.
 */
export async function execNode(containerId: string, code: string): Promise<{ out: string; status: number }> {
  return new Promise((resolve) => {
    execFile('docker', ['exec', containerId, 'node', '-e', code], { encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ out: `${stdout}${stderr}`.trim(), status: err ? ((err as { code?: number }).code ?? -1) : 0 });
    });
  });
}

export async function collectText(it: AsyncIterable<{ text: string }>): Promise<string> {
  let s = '';
  for await (const c of it) s += c.text;
  return s;
}

/** Waits until the engine no longer knows the container (removal runs in the background). */
export async function waitGone(idOrName: string, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await docker.getContainer(idOrName).inspect();
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
