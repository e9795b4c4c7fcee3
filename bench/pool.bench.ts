/**
 * Model pool benchmark (issue 3), on the real Docker engine with the test model image:
 *  - lease from a warm pool: p99 < 5 ms
 *  - sequential chats, rotation every 10 requests vs rotation disabled: p99 time to first token ≤ 1.2×
 *  - cold start (create → ready) of a test-image container, reported
 * Bounded to about a minute and a half. Needs containers/build-test-images.sh to have run (it runs it if not).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import pino from 'pino';
import { loadConfig, type Config } from '../src/config.ts';
import { DockerModelPool } from '../src/pool/docker/docker-model-pool.ts';
import { launchModelContainer } from '../src/pool/docker/launch.ts';
import { ModelEngine } from '../src/pool/docker/model-engine.ts';

const IMAGE = 'context-vault/test-model:latest';
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const log = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
const ms = (x: number) => `${x.toFixed(2)} ms`;

function config(env: Record<string, string>): Config {
  const id = randomBytes(3).toString('hex');
  return loadConfig({
    POOL_IMAGE: IMAGE,
    POOL_INSTANCE: `bench${id}`,
    POOL_NETWORK: `cv-bench-${id}`,
    POOL_MEMORY_MB: '256',
    POOL_CPUS: '1',
    CHAT_MODEL: 'test-chat',
    EMBED_MODEL: 'test-embed',
    ...env,
  });
}

async function withPool<T>(env: Record<string, string>, fn: (pool: DockerModelPool) => Promise<T>): Promise<T> {
  const pool = new DockerModelPool({ docker, config: config(env), log });
  try {
    await pool.start();
    await pool.waitUntilWarm(60_000);
    return await fn(pool);
  } finally {
    await pool.close();
  }
}

async function leaseLatency(): Promise<number[]> {
  return withPool({ POOL_MIN_WARM: '2', POOL_MAX_CONTAINERS: '4', POOL_MAX_REQUESTS: '1000000' }, async (pool) => {
    const samples: number[] = [];
    for (let i = 0; i < 500; i++) {
      const t0 = performance.now();
      const lease = await pool.lease('bench-user');
      samples.push(performance.now() - t0);
      await lease.release();
    }
    // New users each take an unbound warm container (the pool refills in between).
    for (let i = 0; i < 8; i++) {
      await pool.waitUntilWarm(60_000, 1);
      const t0 = performance.now();
      const lease = await pool.lease(`new-user-${i}`);
      samples.push(performance.now() - t0);
      await lease.release();
    }
    return samples;
  });
}

async function timeToFirstToken(maxRequests: string, chats: number): Promise<number[]> {
  return withPool({ POOL_MIN_WARM: '2', POOL_MAX_CONTAINERS: '4', POOL_MAX_REQUESTS: maxRequests }, async (pool) => {
    const samples: number[] = [];
    for (let i = 0; i < chats; i++) {
      const t0 = performance.now();
      const lease = await pool.lease('steady-user');
      let first = 0;
      for await (const c of lease.chat({ model: 'test-chat', numCtx: 2048, messages: [{ role: 'user', content: `[1] question ${i}` }] })) {
        if (!first && c.text) first = performance.now() - t0;
      }
      samples.push(first);
      await lease.release();
      await sleep(40); // a steady, sequential load with a little think time
    }
    return samples;
  });
}

async function coldStarts(n: number): Promise<number[]> {
  const c = config({});
  const engine = new ModelEngine(docker, c.POOL_INSTANCE!, 'bench');
  await engine.ensureInternalNetwork(c.POOL_NETWORK);
  const home = (await engine.imageHome(IMAGE))!.home;
  const samples: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      let id = '';
      const t0 = performance.now();
      await launchModelContainer(engine, c, { name: `cv-bench-cold-${randomBytes(3).toString('hex')}`, home, signal: new AbortController().signal, onCreated: (x) => (id = x) });
      samples.push(performance.now() - t0);
      await engine.remove(id);
    }
  } finally {
    await engine.removeOwn();
    await engine.removeNetwork(c.POOL_NETWORK);
  }
  return samples;
}

async function main(): Promise<void> {
  if (spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 5000 }).status !== 0) {
    console.log('pool bench: no Docker engine answers; skipped');
    return;
  }
  if (spawnSync('docker', ['image', 'inspect', IMAGE], { stdio: 'ignore' }).status !== 0) {
    execFileSync(join(dirname(fileURLToPath(import.meta.url)), '../containers/build-test-images.sh'), { stdio: 'inherit' });
  }
  const lease = await leaseLatency();
  console.log(`lease from a warm pool      p50 ${ms(pct(lease, 50))}  p99 ${ms(pct(lease, 99))}   target p99 < 5 ms  ${pct(lease, 99) < 5 ? 'OK' : 'MISSED'}`);

  // A-B-B-A order, so drift in the shared machine's load hits both configurations alike. 300 chats
  // a side: with 120, "p99" was the second-worst sample, i.e. whatever else the machine did then.
  const chats = 150;
  const rotating = await timeToFirstToken('10', chats);
  const fixed = await timeToFirstToken('1000000', chats);
  fixed.push(...(await timeToFirstToken('1000000', chats)));
  rotating.push(...(await timeToFirstToken('10', chats)));
  const ratio = pct(rotating, 99) / pct(fixed, 99);
  const line = (xs: number[]) => `p50 ${ms(pct(xs, 50))}  p90 ${ms(pct(xs, 90))}  p99 ${ms(pct(xs, 99))}  (${xs.length} chats)`;
  console.log(`time to first token, rotation every 10  ${line(rotating)}`);
  console.log(`time to first token, no rotation        ${line(fixed)}`);
  console.log(`p99 ratio rotation/no rotation ${ratio.toFixed(2)}×   target ≤ 1.2×  ${ratio <= 1.2 ? 'OK' : 'MISSED'}`);

  const cold = await coldStarts(5);
  console.log(`cold start create → ready (test image, ${cold.length} runs)  p50 ${ms(pct(cold, 50))}  max ${ms(Math.max(...cold))}   (reported, no target)`);
  // If a rotation ever put a start on a request's path, the worst TTFT would be near a cold start.
  console.log(`worst time to first token with rotation ${ms(Math.max(...rotating))} vs cold start p50 ${ms(pct(cold, 50))} (no start on the request path)`);
}

await main();
