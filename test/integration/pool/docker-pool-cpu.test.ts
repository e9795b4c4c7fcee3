import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Config } from '../../../src/config.ts';
import { BOOT_CPU_SHARES, SERVING_CPU_SHARES } from '../../../src/pool/docker/container-spec.ts';
import type { DockerModelPool } from '../../../src/pool/docker/docker-model-pool.ts';
import type { ModelLease } from '../../../src/pool/model-pool.ts';
import { cleanup, describeDocker, docker, ensureTestImage, labelled, makePool, poolConfig, removeImage, testImageWith } from './docker-env.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(25);
  }
}

/** The CPU limits Docker holds for a container (what `docker update` changes). */
async function cpuOf(id: string): Promise<{ shares: number; cpus: number }> {
  const hc = (await docker.getContainer(id).inspect()).HostConfig;
  return { shares: hc.CpuShares || 1024, cpus: (hc.NanoCpus ?? 0) / 1e9 };
}

describeDocker('DockerModelPool CPU limits of booting replacements (real Docker engine)', () => {
  let config: Config | undefined;
  let pool: DockerModelPool | undefined;
  let image = '';
  const leases: ModelLease[] = [];

  // A slow warm-up (the empty chat that loads the model takes 2 s) keeps a start observable.
  beforeAll(() => {
    ensureTestImage();
    image = testImageWith(`cv-test-slowload-${process.pid}:1`, { TEST_MODEL_LOAD_DELAY_MS: '2000' });
  });
  afterAll(() => removeImage(image));
  afterEach(async () => {
    for (const l of leases.splice(0)) await l.release().catch(() => undefined);
    await pool?.close().catch(() => undefined);
    if (config) await cleanup(config.POOL_INSTANCE!, [config.POOL_NETWORK]);
    pool = undefined;
    config = undefined;
  });

  /** A warm pool of one container (booted while nobody was served), then a lease that takes it. */
  async function servingOne(): Promise<{ first: ModelLease; replacement: string }> {
    config = { ...poolConfig({ POOL_MIN_WARM: '1', POOL_MAX_CONTAINERS: '2', POOL_CPUS: '0.8' }), POOL_IMAGE: image };
    pool = makePool(config, { timings: { quietMaxDelayMs: 0 } });
    await pool.start();
    await pool.waitUntilWarm(60_000);
    const [initial] = await labelled(config.POOL_INSTANCE!);
    // Nobody was being served: the first container booted with its serving limits.
    expect(await cpuOf(initial.Id)).toEqual({ shares: SERVING_CPU_SHARES, cpus: 0.8 });
    const first = await pool.lease('user-a');
    leases.push(first);
    const instance = config.POOL_INSTANCE!;
    const replacement = await until('the replacement exists', async () => (await labelled(instance)).find((c) => c.Id !== initial.Id)?.Id);
    return { first, replacement };
  }

  it('boots a replacement throttled while a request is served, and raises it to its serving limits before its first lease', async () => {
    const { replacement } = await servingOne();
    expect((await pool!.health()).starting).toBe(1);
    expect(await cpuOf(replacement)).toEqual({ shares: BOOT_CPU_SHARES, cpus: 0.2 });

    await pool!.waitUntilWarm(60_000, 1);
    const second = await pool!.lease('user-b');
    leases.push(second);
    const [c] = await labelled(config!.POOL_INSTANCE!).then((all) => all.filter((x) => x.Id === replacement));
    expect(second.id).toBe(c.Names[0].replace(/^\//, ''));
    expect(await cpuOf(replacement)).toEqual({ shares: SERVING_CPU_SHARES, cpus: 0.8 });
  });

  it('raises a throttled boot at once when someone queues for a container', async () => {
    const { replacement } = await servingOne();
    expect(await cpuOf(replacement)).toEqual({ shares: BOOT_CPU_SHARES, cpus: 0.2 });
    // Another user, nothing ready, no room for another start: they queue for the booting one.
    const waiting = pool!.lease('user-b');
    void waiting.then((l) => leases.push(l), () => undefined);
    const raised = await until('the boot is raised', async () => ((await cpuOf(replacement)).shares === SERVING_CPU_SHARES ? true : undefined), 1500);
    expect(raised).toBe(true);
    // Raised while still warming up (the 2 s model load), not merely at ready.
    expect((await pool!.health()).starting).toBe(1);
    expect(await cpuOf(replacement)).toEqual({ shares: SERVING_CPU_SHARES, cpus: 0.8 });
    const second = await waiting;
    expect(second.userId).toBe('user-b');
  });
});
