import { afterAll, beforeAll, expect, it } from 'vitest';
import type Docker from 'dockerode';
import type { Config } from '../../../src/config.ts';
import type { DockerModelPool } from '../../../src/pool/docker/docker-model-pool.ts';
import type { ModelLease } from '../../../src/pool/model-pool.ts';
import { cleanup, describeDocker, docker, ensureTestImage, execNode, makePool, poolConfig, TEST_IMAGE } from './docker-env.ts';

/**
 * DESIGN.md invariant 8, checked on real containers: they keep nothing (read-only root, tmpfs
 * only) and reach nothing (internal network; an "outside" host of ours stays unreachable).
 */
describeDocker('model containers keep nothing and reach nothing', () => {
  let config: Config;
  let pool: DockerModelPool;
  let lease: ModelLease;
  let info: Docker.ContainerInspectInfo;
  const outsideNet = `cv-test-outside-${Math.random().toString(16).slice(2, 8)}`;
  let outside: Docker.Container | undefined;
  let outsideIp = '';

  beforeAll(async () => {
    ensureTestImage();
    config = poolConfig({ POOL_MIN_WARM: '1', POOL_MAX_CONTAINERS: '1', POOL_MEMORY_MB: '256', POOL_PIDS_LIMIT: '64', POOL_CPUS: '0.5' });
    pool = makePool(config);
    await pool.start();
    await pool.waitUntilWarm(60_000);
    lease = await pool.lease('isolation-user');
    info = await docker.getContainer(lease.id).inspect();
    // The "outside" host: a server of ours on an ordinary bridge network with a route out.
    await docker.createNetwork({ Name: outsideNet, Labels: { 'context-vault.pool': config.POOL_INSTANCE! } });
    outside = await docker.createContainer({
      Image: TEST_IMAGE,
      name: `${outsideNet}-host`,
      Labels: { 'context-vault.pool': config.POOL_INSTANCE! },
      HostConfig: { NetworkMode: outsideNet, ReadonlyRootfs: true, Tmpfs: { '/tmp': '', '/home/model': '' }, LogConfig: { Type: 'none', Config: {} } },
    });
    await outside.start();
    outsideIp = (await outside.inspect()).NetworkSettings.Networks[outsideNet].IPAddress;
  });

  afterAll(async () => {
    await lease?.release();
    await pool?.close();
    await outside?.remove({ force: true }).catch(() => undefined);
    await cleanup(config.POOL_INSTANCE!, [config.POOL_NETWORK, outsideNet]);
  });

  it('is created read-only, tmpfs-only, unprivileged and limited', () => {
    const hc = info.HostConfig;
    expect(hc.ReadonlyRootfs).toBe(true);
    expect(Object.keys(hc.Tmpfs ?? {}).sort()).toEqual(['/home/model', '/tmp']);
    expect(hc.Binds ?? []).toEqual([]);
    expect(info.Mounts.filter((m) => m.Type !== 'tmpfs')).toEqual([]);
    expect(hc.CapDrop).toEqual(['ALL']);
    expect(hc.CapAdd ?? []).toEqual([]);
    expect(hc.SecurityOpt).toContain('no-new-privileges:true');
    expect(hc.Privileged).toBe(false);
    expect(hc.Memory).toBe(256 * 1024 * 1024);
    expect(hc.MemorySwap).toBe(hc.Memory);
    expect(hc.NanoCpus).toBe(500_000_000);
    expect(hc.PidsLimit).toBe(64);
    expect(hc.LogConfig?.Type).toBe('none');
    expect(info.Config.Env).toContain('OLLAMA_NO_CLOUD=1');
    expect(info.Config.Env.filter((e) => e.startsWith('OLLAMA_DEBUG')).sort()).toEqual(['OLLAMA_DEBUG=false', 'OLLAMA_DEBUG_LOG_REQUESTS=false']);
  });

  it('sits only on an internal network and publishes no ports', async () => {
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([config.POOL_NETWORK]);
    expect(Object.values(info.NetworkSettings.Ports ?? {}).filter(Boolean)).toEqual([]);
    expect(info.HostConfig.PortBindings ?? {}).toEqual({});
    const net = await docker.getNetwork(config.POOL_NETWORK).inspect();
    expect(net.Internal).toBe(true);
  });

  it('cannot write outside its tmpfs mounts, from inside', async () => {
    const tryWrite = async (path: string) =>
      (await execNode(info.Id, `try { require('fs').writeFileSync(${JSON.stringify(path)}, 'x'); console.log('WROTE') } catch (e) { console.log(e.code) }`)).out;
    expect(await tryWrite('/app/planted.txt')).toBe('EROFS');
    expect(await tryWrite('/etc/planted.txt')).toBe('EROFS');
    expect(await tryWrite('/usr/local/bin/planted')).toBe('EROFS');
    expect(await tryWrite('/tmp/scratch.txt')).toBe('WROTE');
    expect(await tryWrite('/home/model/key')).toBe('WROTE');
    // And the writable paths really are memory-backed.
    const mounts = (await execNode(info.Id, `console.log(require('fs').readFileSync('/proc/mounts','utf8'))`)).out;
    expect(mounts).toMatch(/^tmpfs \/tmp tmpfs/m);
    expect(mounts).toMatch(/^tmpfs \/home\/model tmpfs/m);
    expect(mounts).toMatch(/^overlay \/ overlay ro[,\s]/m);
  });

  it('cannot reach a host on another network, which the gateway host itself can reach', async () => {
    // Control: the outside host answers (from this machine).
    const ok = await fetch(`http://${outsideIp}:11434/api/version`, { signal: AbortSignal.timeout(5000) });
    expect(ok.status).toBe(200);
    const probe = await execNode(
      info.Id,
      `fetch('http://${outsideIp}:11434/api/version', { signal: AbortSignal.timeout(2500) })` +
        `.then((r) => console.log('REACHED ' + r.status), (e) => console.log('BLOCKED ' + (e.cause?.code ?? e.name))).finally(() => process.exit(0))`,
    );
    // Dropped (a timeout) or unroutable: the packets never arrive. A refusal would mean they did.
    expect(probe.out).toMatch(/^BLOCKED (TimeoutError|ENETUNREACH|EHOSTUNREACH)$/);
    // Known limit (README): Docker still gives an internal network a gateway address on the host
    // itself, so host services bound to 0.0.0.0 must be firewalled from the model subnet.
  });

  it('still answers the gateway on its internal address', async () => {
    let text = '';
    for await (const c of lease.chat({ model: 'test-chat', numCtx: 2048, messages: [{ role: 'user', content: '[1] ok' }] })) text += c.text;
    expect(text).toContain('[1]');
  });
});
