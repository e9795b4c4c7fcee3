import type { PoolConfigView } from './pool-config.ts';
import { MODEL_PORT } from './container-spec.ts';
import type { ModelEngine } from './model-engine.ts';
import { waitForOllama, warmUp, type WarmResult } from './readiness.ts';

/**
 * Creates and starts one model container, waits until Ollama answers, and loads the chat model.
 * `onCreated` hands the container id over as soon as it exists, so a failure can remove it.
 * `throttled` boots it with the boot CPU limits (see BOOT_CPU_SHARES); raising them is the caller's.
 */
export async function launchModelContainer(
  engine: ModelEngine,
  c: PoolConfigView,
  args: { name: string; home: string; signal: AbortSignal; onCreated(id: string): void; throttled?: boolean },
): Promise<{ host: string; warm: WarmResult }> {
  const started = await engine.startContainer(
    { image: c.POOL_IMAGE, name: args.name, network: c.POOL_NETWORK, memoryMb: c.POOL_MEMORY_MB, cpus: c.POOL_CPUS, pidsLimit: c.POOL_PIDS_LIMIT, home: args.home, modelsVolume: c.POOL_MODELS_VOLUME, throttled: args.throttled },
    args.onCreated,
  );
  // In compose the gateway shares the model network and resolves names; on a host it uses the IP.
  const host = `http://${c.POOL_CONNECT === 'name' ? args.name : started.ip}:${MODEL_PORT}`;
  const deadline = Date.now() + c.POOL_START_TIMEOUT_MS;
  await waitForOllama(host, deadline, args.signal);
  const warm = await warmUp(host, { chat: c.CHAT_MODEL, embed: c.EMBED_MODEL }, keepAliveFor(c), c.NUM_CTX, Math.max(1000, deadline - Date.now()), args.signal);
  return { host, warm };
}

/** keep_alive outlasting the container's life, so Ollama never unloads the model meanwhile. */
export function keepAliveFor(c: Pick<PoolConfigView, 'POOL_MAX_AGE_S'>): string {
  return `${c.POOL_MAX_AGE_S + 60}s`;
}

/**
 * Gets the engine ready for a pool: with `reap` (once, at the process's start) removes containers
 * of previous processes of this instance; finds the image's HOME (never pulling: that needs
 * egress) and ensures the internal network. `blocked` explains why no container can start.
 * Retries while blocked do not reap: by then anything else labelled with this instance (a
 * `models pull` in progress, say) belongs to work that started after this process.
 */
export async function prepareEngine(
  engine: ModelEngine,
  c: PoolConfigView,
  opts: { reap: boolean },
): Promise<{ reaped: number; home: string; createdNetwork: boolean; blocked?: string }> {
  const reaped = opts.reap ? await engine.reapOrphans() : 0;
  const image = await engine.imageHome(c.POOL_IMAGE);
  if (!image) {
    return {
      reaped,
      home: '/root',
      createdNetwork: false,
      blocked: `image ${c.POOL_IMAGE} is not present locally (build it, or run \`context-vault models pull\`); images are never pulled at run time`,
    };
  }
  const createdNetwork = await engine.ensureInternalNetwork(c.POOL_NETWORK);
  return { reaped, home: image.home, createdNetwork };
}
