import type Docker from 'dockerode';
import { LABEL_OWNER, LABEL_POOL, LABEL_ROLE, SERVING_CPU_SHARES, modelContainerSpec, nanoCpus, type ModelContainerSpecInput } from './container-spec.ts';

/** A started model container and the address the gateway reaches it at. */
export interface StartedContainer {
  id: string;
  name: string;
  ip: string;
}

/** Thrown when the Docker engine does not answer (socket gone, daemon stopped). */
export class EngineDownError extends Error {}

/** Runs `p` with a deadline; dockerode calls otherwise wait forever on a stalled engine. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new EngineDownError(`${what} timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The Docker operations of the model pool, on a dockerode client passed in. No image is ever
 * pulled here: model containers run only from local images (pulling needs egress).
 */
export class ModelEngine {
  /**
   * @param quiet awaited before each heavy step of the pool's background work (container create,
   *   start, and `remove`), so the pool can hold it back while a request waits for its first token
   *   (see QuietGate). Shutdown and reaping (`removeOwn`, `reapOrphans`) never wait on it.
   */
  constructor(
    readonly docker: Docker,
    private readonly instance: string,
    private readonly owner: string,
    private readonly quiet: () => Promise<void> = () => Promise.resolve(),
  ) {}

  async ping(timeoutMs = 1500): Promise<boolean> {
    try {
      await withTimeout(this.docker.ping(), timeoutMs, 'docker ping');
      return true;
    } catch {
      return false;
    }
  }

  /** The image's HOME (Ollama writes its key there), or null when the image is not present locally. */
  async imageHome(image: string): Promise<{ home: string } | null> {
    try {
      const info = await withTimeout(this.docker.getImage(image).inspect(), 10_000, 'image inspect');
      const env = info.Config?.Env ?? [];
      const home = env.find((e) => e.startsWith('HOME='))?.slice(5);
      return { home: home || '/root' };
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return null;
      throw e;
    }
  }

  /**
   * Creates the model network with `Internal: true` (no route out at all) if missing; refuses
   * to use an existing network of that name that is not internal. Returns whether it created it.
   */
  async ensureInternalNetwork(name: string): Promise<boolean> {
    try {
      const info = await withTimeout(this.docker.getNetwork(name).inspect(), 10_000, 'network inspect');
      if (!info.Internal) throw new Error(`Docker network "${name}" exists but is not internal (it would give model containers a route out); remove it or set POOL_NETWORK`);
      return false;
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) throw e;
    }
    try {
      await withTimeout(
        this.docker.createNetwork({
          Name: name,
          Driver: 'bridge',
          Internal: true,
          CheckDuplicate: true,
          Labels: { [LABEL_POOL]: this.instance, [LABEL_ROLE]: 'model-network' },
        }),
        10_000,
        'network create',
      );
      return true;
    } catch (e) {
      // Another pool instance created it at the same moment.
      if ((e as { statusCode?: number }).statusCode === 409) return false;
      throw e;
    }
  }

  async removeNetwork(name: string): Promise<void> {
    await withTimeout(this.docker.getNetwork(name).remove(), 10_000, 'network remove').catch(() => undefined);
  }

  /** Creates and starts one model container, then reads its address on the model network. */
  async startContainer(spec: Omit<ModelContainerSpecInput, 'instance' | 'owner'>, onCreated: (id: string) => void): Promise<StartedContainer> {
    await this.quiet();
    const container = await withTimeout(
      this.docker.createContainer(modelContainerSpec({ ...spec, instance: this.instance, owner: this.owner })),
      30_000,
      'container create',
    );
    onCreated(container.id);
    await this.quiet();
    await withTimeout(container.start(), 30_000, 'container start');
    const info = await withTimeout(container.inspect(), 10_000, 'container inspect');
    const ip = info.NetworkSettings?.Networks?.[spec.network]?.IPAddress;
    if (!ip) throw new Error('the model container has no address on the model network');
    return { id: container.id, name: spec.name, ip };
  }

  /** Gives a container that booted throttled its serving CPU limits (default weight, `cpus`), at the next quiet moment. */
  async raiseCpu(id: string, cpus: number): Promise<void> {
    await this.quiet();
    await withTimeout(this.docker.getContainer(id).update({ CpuShares: SERVING_CPU_SHARES, NanoCpus: nanoCpus(cpus) }), 10_000, 'container update');
  }

  /** Force-removes a container (kills it first) at the next quiet moment; a container already gone is fine. */
  async remove(id: string): Promise<void> {
    await this.quiet();
    await this.removeNow(id);
  }

  private async removeNow(id: string): Promise<void> {
    try {
      await withTimeout(this.docker.getContainer(id).remove({ force: true, v: true }), 30_000, 'container remove');
    } catch (e) {
      const code = (e as { statusCode?: number }).statusCode;
      if (code === 404 || code === 409) return; // gone, or removal already in progress
      throw e;
    }
  }

  /** Containers of this pool instance; `ownOnly` limits them to this process's. */
  async list(ownOnly: boolean): Promise<Docker.ContainerInfo[]> {
    const label = ownOnly ? [`${LABEL_OWNER}=${this.owner}`] : [`${LABEL_POOL}=${this.instance}`];
    return withTimeout(this.docker.listContainers({ all: true, filters: { label } }), 10_000, 'container list');
  }

  /** Removes every container of this instance left by a previous process (crash, kill -9). */
  async reapOrphans(): Promise<number> {
    const orphans = (await this.list(false)).filter((c) => c.Labels?.[LABEL_OWNER] !== this.owner);
    await Promise.all(orphans.map((c) => this.removeNow(c.Id)));
    return orphans.length;
  }

  /** Removes every container of this process. */
  async removeOwn(): Promise<number> {
    const own = await this.list(true);
    await Promise.all(own.map((c) => this.removeNow(c.Id)));
    return own.length;
  }

  /** Streams die/oom events of this process's containers; `onEnd` fires if the stream breaks. */
  async watchDeaths(onDeath: (containerId: string) => void, onEnd: () => void): Promise<() => void> {
    const stream = (await withTimeout(
      this.docker.getEvents({ filters: { type: ['container'], event: ['die', 'oom'], label: [`${LABEL_OWNER}=${this.owner}`] } }),
      10_000,
      'events subscribe',
    )) as NodeJS.ReadableStream & { destroy?: () => void };
    let buf = '';
    let stopped = false;
    stream.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        try {
          const ev = JSON.parse(line) as { id?: string; Actor?: { ID?: string } };
          const id = ev.Actor?.ID ?? ev.id;
          if (id) onDeath(id);
        } catch {
          /* a partial or foreign line: ignore */
        }
      }
    });
    const end = () => {
      if (!stopped) {
        stopped = true;
        onEnd();
      }
    };
    stream.on('end', end);
    stream.on('error', end);
    stream.on('close', end);
    return () => {
      stopped = true;
      stream.destroy?.();
    };
  }
}
