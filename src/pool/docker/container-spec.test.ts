import { describe, expect, it } from 'vitest';
import { BOOT_CPU_SHARES, LABEL_OWNER, LABEL_POOL, bootCpus, modelContainerSpec } from './container-spec.ts';

const spec = modelContainerSpec({
  image: 'img:1',
  name: 'cv-model-x-1',
  instance: 'x',
  owner: 'o1',
  network: 'models-net',
  memoryMb: 256,
  cpus: 1.5,
  pidsLimit: 64,
  home: '/home/model',
});
const hc = spec.HostConfig!;

describe('modelContainerSpec', () => {
  it('keeps nothing: read-only root, tmpfs for /tmp and HOME, no binds or mounts', () => {
    expect(hc.ReadonlyRootfs).toBe(true);
    expect(Object.keys(hc.Tmpfs!).sort()).toEqual(['/home/model', '/tmp']);
    expect(hc.Tmpfs!['/tmp']).toMatch(/size=64m/);
    expect(hc.Binds).toEqual([]);
    expect(hc.Mounts).toEqual([]);
  });
  it('drops every privilege and limits memory (no swap beyond it), cpu and pids', () => {
    expect(hc.CapDrop).toEqual(['ALL']);
    expect(hc.SecurityOpt).toContain('no-new-privileges:true');
    expect(hc.Privileged).toBe(false);
    expect(hc.Memory).toBe(256 * 1024 * 1024);
    expect(hc.MemorySwap).toBe(hc.Memory);
    expect(hc.NanoCpus).toBe(1_500_000_000);
    expect(hc.PidsLimit).toBe(64);
  });
  it('reaches nothing: only the given network, no published ports, no logs, no cloud', () => {
    expect(hc.NetworkMode).toBe('models-net');
    expect(Object.keys(spec.NetworkingConfig!.EndpointsConfig!)).toEqual(['models-net']);
    expect(hc.PortBindings).toEqual({});
    expect(hc.PublishAllPorts).toBe(false);
    expect(hc.LogConfig!.Type).toBe('none');
    expect(spec.Env).toContain('OLLAMA_NO_CLOUD=1');
    // Request logging (prompts written to disk) is switched off explicitly, whatever the image's ENV says.
    expect(spec.Env).toContain('OLLAMA_DEBUG_LOG_REQUESTS=false');
    expect(spec.Env).toContain('OLLAMA_DEBUG=false');
    expect(spec.Env!.filter((e) => e.startsWith('OLLAMA_DEBUG'))).toEqual(['OLLAMA_DEBUG=false', 'OLLAMA_DEBUG_LOG_REQUESTS=false']);
  });
  it('is labelled with the pool instance and owner', () => {
    expect(spec.Labels).toMatchObject({ [LABEL_POOL]: 'x', [LABEL_OWNER]: 'o1' });
  });
  it('mounts a models volume read-only, and nothing else', () => {
    const withVolume = modelContainerSpec({ image: 'i', name: 'n', instance: 'x', owner: 'o', network: 'net', memoryMb: 256, cpus: 1, pidsLimit: 64, home: '/root', modelsVolume: 'weights' });
    expect(withVolume.HostConfig!.Mounts).toEqual([{ Type: 'volume', Source: 'weights', Target: '/models', ReadOnly: true }]);
    expect(withVolume.Env).toContain('OLLAMA_MODELS=/models');
  });
  it('boots throttled when asked: lowest CPU weight and a quarter of the CPU quota, every other limit unchanged', () => {
    const input = { image: 'i', name: 'n', instance: 'x', owner: 'o', network: 'net', memoryMb: 256, cpus: 2, pidsLimit: 64, home: '/root' };
    const normal = modelContainerSpec(input).HostConfig!;
    const booting = modelContainerSpec({ ...input, throttled: true }).HostConfig!;
    expect(normal.CpuShares).toBeUndefined(); // Docker's default weight
    expect(normal.NanoCpus).toBe(2_000_000_000);
    expect(booting.CpuShares).toBe(BOOT_CPU_SHARES);
    expect(booting.NanoCpus).toBe(500_000_000);
    expect({ ...booting, CpuShares: undefined, NanoCpus: undefined }).toEqual({ ...normal, CpuShares: undefined, NanoCpus: undefined });
    expect(bootCpus(0.2)).toBe(0.1);
    expect(bootCpus(0.05)).toBe(0.05);
  });
});
