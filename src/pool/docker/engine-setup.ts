import type { Logger } from 'pino';
import type { DeathWatch } from './death-watch.ts';
import type { EngineLiveness } from './engine-liveness.ts';
import { prepareEngine } from './launch.ts';
import type { ModelEngine } from './model-engine.ts';
import type { PoolConfigView } from './pool-config.ts';
import { StartBlock } from './start-block.ts';

export interface EngineSetupHooks {
  closed(): boolean;
  /** Starts one container; resolves whether it became ready. */
  startOne(): Promise<boolean>;
  /** Brings the pool up to its warm target. */
  maintain(): void;
  /** Pings the engine (marking it down on failure); false once the pool is closed. */
  checkEngine(): Promise<boolean>;
}

/**
 * Getting the Docker engine ready for the pool — at start, after the engine came back, and while
 * blocked (image or chat model missing): orphans reaped once, the image's HOME, the internal
 * network, the death watch. `blocked` says why no container can start; leases fail fast with it.
 */
export class EngineSetup {
  initialized = false;
  /** The image's HOME, a tmpfs in every container (Ollama writes its key there at start). */
  home = '/root';
  createdNetwork = false;
  private reaped = false;
  private readonly blocker: StartBlock;

  constructor(
    private readonly engine: ModelEngine,
    private readonly config: PoolConfigView,
    private readonly log: Logger,
    private readonly deaths: DeathWatch,
    private readonly liveness: EngineLiveness,
    blockedRetryMs: number,
    private readonly hooks: EngineSetupHooks,
  ) {
    this.blocker = new StartBlock(blockedRetryMs);
  }

  get blocked(): string | undefined {
    return this.blocker.reason;
  }

  block(reason: string): void {
    this.blocker.set(reason);
  }

  unblock(): void {
    if (this.blocker.clear()) this.log.info('model containers can start again');
  }

  /** While blocked, the retry when it is due (one at a time), else undefined. */
  retryIfDue(): Promise<void> | undefined {
    return this.initialized ? this.blocker.retryIfDue(() => this.retryBlocked()) : undefined;
  }

  async initialize(): Promise<void> {
    try {
      if (!(await this.engine.ping())) return this.liveness.markDown();
      // Orphans are reaped once, at this process's start: later (engine recovery, retries) anything
      // else labelled with this instance is work that began after us, e.g. a `models pull`.
      const prep = await prepareEngine(this.engine, this.config, { reap: !this.reaped });
      this.reaped = true;
      if (prep.reaped) this.log.warn({ reaped: prep.reaped }, 'removed model containers left by a previous gateway process');
      this.createdNetwork ||= prep.createdNetwork;
      if (prep.blocked) {
        this.log.error({ image: this.config.POOL_IMAGE }, 'model image missing');
        this.blocker.set(prep.blocked);
        this.initialized = true;
        return;
      }
      this.home = prep.home;
      await this.deaths.start();
      this.unblock();
      this.initialized = true;
      this.hooks.maintain();
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'model pool initialisation failed');
      if (!(await this.engine.ping())) return this.liveness.markDown();
      this.blocker.set((e as Error).message);
      this.initialized = true;
    }
  }

  /**
   * While blocked: checks the engine, image and network again, then tries one container (which
   * shows whether the chat model is there now, e.g. after `models pull`). Leases keep failing
   * fast meanwhile; the first start that works lifts the block.
   */
  private async retryBlocked(): Promise<void> {
    try {
      const prep = await prepareEngine(this.engine, this.config, { reap: false });
      this.createdNetwork ||= prep.createdNetwork;
      if (prep.blocked) return this.blocker.set(prep.blocked);
      this.home = prep.home;
      if (!this.deaths.watching) await this.deaths.start();
      if (await this.hooks.startOne()) {
        this.unblock();
        this.hooks.maintain();
      } else if (this.blocked && !this.hooks.closed()) {
        this.blocker.set(this.blocked);
      }
    } catch (e) {
      if (!this.hooks.closed() && (await this.hooks.checkEngine())) this.blocker.set((e as Error).message);
    }
  }
}
