import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { PoolMetrics } from '../pool-metrics.ts';
import type { EngineSetup } from './engine-setup.ts';
import { launchModelContainer } from './launch.ts';
import type { ModelEngine } from './model-engine.ts';
import type { PoolConfigView } from './pool-config.ts';
import { StartCancelled } from './readiness.ts';
import type { Removals } from './removals.ts';
import type { Slot } from './slots.ts';

export interface ContainerStarterDeps {
  engine: ModelEngine;
  config: PoolConfigView;
  instance: string;
  log: Logger;
  metrics?: PoolMetrics;
  setup: EngineSetup;
  slots: Map<string, Slot>;
  removals: Removals;
  /** Aborted by the pool's close(): every wait of a start ends at once. */
  closing: AbortSignal;
  closed(): boolean;
  /** The slots changed (gauges). */
  changed(): void;
  /** A container became ready: serve waiters. */
  ready(): void;
  checkEngine(): Promise<boolean>;
  /** The pool is blocked now: fail every waiter with this reason. */
  blocked(reason: string): void;
}

/**
 * Starts model containers into the pool's slots, and backs off after failed starts (250 ms,
 * doubling, at most 30 s) so a crashing image or a broken engine does not loop.
 */
export class ContainerStarter {
  /** Whether the last started container held the chat and embed models (null until one started). */
  models: { chat: boolean | null; embed: boolean | null } = { chat: null, embed: null };
  private failuresInARow = 0;
  private nextStartAt = 0;

  constructor(private readonly d: ContainerStarterDeps) {}

  get backingOff(): boolean {
    return Date.now() < this.nextStartAt;
  }

  resetBackoff(): void {
    this.nextStartAt = 0;
  }

  backOff(): void {
    this.d.metrics?.failures.inc({ reason: 'start' });
    this.failuresInARow++;
    this.nextStartAt = Date.now() + Math.min(30_000, 250 * 2 ** this.failuresInARow);
  }

  /** Starts one container; resolves whether it became ready. */
  async startOne(): Promise<boolean> {
    const { config: c, slots, setup, log } = this.d;
    const name = `cv-model-${this.d.instance}-${randomBytes(4).toString('hex')}`.slice(0, 63);
    // Age counts from here (creation), not from ready: POOL_MAX_AGE_S bounds the container's whole life.
    const slot: Slot = { name, state: 'starting', requests: 0, createdAt: Date.now(), lastUsedAt: 0 };
    slots.set(name, slot);
    this.d.changed();
    const t0 = performance.now();
    const gone = () => this.d.closed() || slots.get(name) !== slot;
    slot.cancelStart = new AbortController();
    const signal = AbortSignal.any([this.d.closing, slot.cancelStart.signal]);
    try {
      const { host, warm } = await launchModelContainer(this.d.engine, c, { name, home: setup.home, signal, onCreated: (id) => (slot.containerId = id) });
      slot.host = host;
      this.models = { chat: warm.chatPresent, embed: warm.embedPresent };
      if (!warm.chatPresent) {
        setup.block(`the model image lacks the chat model ${c.CHAT_MODEL} (run \`context-vault models pull\`)`);
        throw new Error(setup.blocked);
      }
      if (gone()) throw new StartCancelled();
      slot.cancelStart = undefined;
      slot.state = 'ready';
      slot.checkedAt = Date.now();
      this.failuresInARow = 0;
      this.d.metrics?.containerStart.observe((performance.now() - t0) / 1000);
      log.debug({ container: name, ms: Math.round(performance.now() - t0) }, 'model container ready');
      this.d.changed();
      this.d.ready();
      return true;
    } catch (e) {
      if (slots.get(name) === slot) slots.delete(name);
      if (slot.containerId) await this.d.removals.run(slot.containerId);
      this.d.changed();
      if (this.d.closed() || e instanceof StartCancelled) return false;
      this.backOff();
      log.error({ container: name, err: (e as Error).message, inARow: this.failuresInARow }, 'model container failed to start');
      if (!(await this.d.checkEngine())) return false;
      if (setup.blocked) this.d.blocked(setup.blocked);
      return false;
    }
  }
}
