import type { ContainerCreateOptions } from 'dockerode';

/** Labels every object of a pool carries; reaping and shutdown find containers by them. */
export const LABEL_POOL = 'context-vault.pool';
export const LABEL_OWNER = 'context-vault.pool.owner';
export const LABEL_ROLE = 'context-vault.role';

/**
 * Set explicitly, not merely left out: a value inherited from the image (ENV) would otherwise
 * apply. Ollama parses both with strconv.ParseBool ("false" → off; an unparsable value counts as
 * on), and OLLAMA_DEBUG_LOG_REQUESTS writes whole request bodies (prompts) to disk.
 */
export const QUIET_OLLAMA_ENV = ['OLLAMA_DEBUG=false', 'OLLAMA_DEBUG_LOG_REQUESTS=false'] as const;

/** Ollama's port inside the model container (never published on the host). */
export const MODEL_PORT = 11434;

/**
 * A replacement started while another container serves a request boots throttled: at the lowest
 * CPU weight (cgroup cpu.shares 2, vs Docker's default 1024) and under a CPU quota of a quarter of
 * POOL_CPUS. Its boot and warm-up (for Ollama: loading the model, a one-token answer) would
 * otherwise take CPU from the container answering a user right now, and slow that user's first
 * token; throttled, it only gets what is left. The pool gives it its serving limits (POOL_CPUS,
 * default weight) once it is warm, before anyone can lease it, or at once when someone queues
 * for a container.
 */
export const BOOT_CPU_SHARES = 2;
export const SERVING_CPU_SHARES = 1024;

/** Docker's NanoCpus for a quota in CPUs. */
export function nanoCpus(cpus: number): number {
  return Math.round(cpus * 1e9);
}

/** The CPU quota (in CPUs) of a throttled boot: a quarter of the serving quota, at least 0.1 CPU. */
export function bootCpus(cpus: number): number {
  return Math.min(cpus, Math.max(0.1, cpus / 4));
}

export interface ModelContainerSpecInput {
  image: string;
  name: string;
  /** The pool instance (POOL_INSTANCE) and this process's owner id. */
  instance: string;
  owner: string;
  network: string;
  memoryMb: number;
  cpus: number;
  pidsLimit: number;
  /** The image's HOME, where Ollama writes its key at start: a tmpfs like every writable path. */
  home: string;
  /** A named volume holding the weights (from `models pull`), mounted read-only at /models. */
  modelsVolume?: string;
  /** Boot throttled (BOOT_CPU_SHARES, bootCpus) until the pool raises it to its serving limits. */
  throttled?: boolean;
}

/** Where a models volume is mounted (OLLAMA_MODELS points there). */
export const MODELS_DIR = '/models';

/**
 * The create options of one model container (DESIGN.md invariant 8): read-only root, tmpfs for
 * every writable path, no capabilities, no new privileges, memory = memory+swap, CPU and pid
 * limits (tighter CPU ones while a throttled boot lasts), no logs, only the internal network, no
 * published ports, no cloud features.
 */
export function modelContainerSpec(s: ModelContainerSpecInput): ContainerCreateOptions {
  const memoryBytes = s.memoryMb * 1024 * 1024;
  // tmpfs pages count against the container's memory limit, so /tmp gets a share of it only.
  const tmpMb = Math.max(16, Math.min(1024, Math.floor(s.memoryMb / 4)));
  const tmpfs: Record<string, string> = {
    '/tmp': `rw,nosuid,nodev,size=${tmpMb}m,mode=1777`,
    [s.home]: 'rw,nosuid,nodev,size=64m,mode=1777',
  };
  return {
    name: s.name,
    Image: s.image,
    Hostname: 'model',
    Env: [
      `OLLAMA_HOST=0.0.0.0:${MODEL_PORT}`,
      'OLLAMA_NO_CLOUD=1',
      ...QUIET_OLLAMA_ENV,
      // Weights come from the image (or a read-only volume); never let Ollama delete or fetch them.
      'OLLAMA_NOPRUNE=1',
      `HOME=${s.home}`,
      'OLLAMA_TMPDIR=/tmp',
      ...(s.modelsVolume ? [`OLLAMA_MODELS=${MODELS_DIR}`] : []),
    ],
    Labels: { [LABEL_POOL]: s.instance, [LABEL_OWNER]: s.owner, [LABEL_ROLE]: 'model' },
    ExposedPorts: {},
    StopTimeout: 1,
    HostConfig: {
      ReadonlyRootfs: true,
      Tmpfs: tmpfs,
      Binds: [],
      Mounts: s.modelsVolume ? [{ Type: 'volume', Source: s.modelsVolume, Target: MODELS_DIR, ReadOnly: true }] : [],
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges:true'],
      Privileged: false,
      Memory: memoryBytes,
      MemorySwap: memoryBytes,
      NanoCpus: nanoCpus(s.throttled ? bootCpus(s.cpus) : s.cpus),
      ...(s.throttled ? { CpuShares: BOOT_CPU_SHARES } : {}),
      PidsLimit: s.pidsLimit,
      LogConfig: { Type: 'none', Config: {} },
      NetworkMode: s.network,
      PortBindings: {},
      PublishAllPorts: false,
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
      IpcMode: 'private',
    },
    NetworkingConfig: { EndpointsConfig: { [s.network]: {} } },
  };
}
