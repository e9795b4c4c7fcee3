import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
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

/** Starts fixtures/hold-pool.ts in a child process; resolves with it once its pool is warm. */
export async function holdPoolInChild(config: Config) {
  const env = { POOL_IMAGE: config.POOL_IMAGE, POOL_INSTANCE: config.POOL_INSTANCE!, POOL_NETWORK: config.POOL_NETWORK, POOL_MIN_WARM: '2', POOL_MAX_CONTAINERS: '2', POOL_MEMORY_MB: '256', CHAT_MODEL: 'test-chat', EMBED_MODEL: 'test-embed' };
  const here = dirname(fileURLToPath(import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures/hold-pool.ts'), JSON.stringify(env)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const owner = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`hold-pool exited with ${code}`)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /WARM (\w+)/.exec(out);
      if (m) resolve(m[1]);
    });
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, owner, exited };
}

/**
 * A unix socket in front of the real engine that, until `answer()`, accepts connections and never
 * replies (an engine too loaded to answer a ping in time); from then on it forwards everything.
 */
export async function stallingEngine(path: string) {
  const stalled = new Set<Socket>();
  const open = new Set<Socket>();
  let forwarding = false;
  rmSync(path, { force: true });
  const server = createServer((c) => {
    open.add(c);
    c.on('close', () => open.delete(c)).on('error', () => c.destroy());
    if (!forwarding) return void stalled.add(c);
    const upstream = createConnection('/var/run/docker.sock');
    open.add(upstream);
    c.pipe(upstream).pipe(c);
    upstream.on('error', () => c.destroy()).on('close', () => (open.delete(upstream), c.destroy()));
  });
  await new Promise<void>((r) => server.listen(path, r));
  return {
    /** The engine answers from now on; pings left hanging fail now, as a timeout would. */
    answer() {
      forwarding = true;
      for (const c of stalled) c.destroy();
      stalled.clear();
    },
    async close() {
      for (const s of open) s.destroy();
      await new Promise((r) => server.close(r));
      rmSync(path, { force: true });
    },
  };
}
