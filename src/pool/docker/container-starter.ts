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
  /** Whether a container serves a request now (a start then boots throttled, unless someone waits). */
  serving(): boolean;
  /** Whether someone waits for a container. */
  waiting(): boolean;
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

  /**
   * Someone waits for a container: every throttled boot gets its serving CPU limits now (they are
   * throttled only so as not to slow a request in flight, never to keep a waiting user waiting).
   */
  hurry(): void {
    for (const s of this.d.slots.values()) {
      if (s.state === 'starting' && s.throttled && s.containerId) void this.raiseCpu(s).catch(() => undefined);
    }
  }

  /** Raises a throttled container's CPU limits once (a second call waits on the first). */
  private raiseCpu(slot: Slot): Promise<void> {
    slot.cpuRaised ??= this.d.engine.raiseCpu(slot.containerId!, this.d.config.POOL_CPUS);
    return slot.cpuRaised;
  }

  /** Starts one container; resolves whether it became ready. */
  async startOne(): Promise<boolean> {
    const { config: c, slots, setup, log } = this.d;
    const name = `cv-model-${this.d.instance}-${randomBytes(4).toString('hex')}`.slice(0, 63);
    // Age counts from here (creation), not from ready: POOL_MAX_AGE_S bounds the container's whole life.
    const slot: Slot = { name, state: 'starting', requests: 0, createdAt: Date.now(), lastUsedAt: 0, throttled: this.d.serving() && !this.d.waiting() };
    slots.set(name, slot);
    this.d.changed();
    const t0 = performance.now();
    const gone = () => this.d.closed() || slots.get(name) !== slot;
    slot.cancelStart = new AbortController();
    const signal = AbortSignal.any([this.d.closing, slot.cancelStart.signal]);
    try {
      const onCreated = (id: string) => {
        slot.containerId = id;
        if (this.d.waiting()) this.hurry(); // someone queued while it waited for a quiet moment
      };
      const { host, warm } = await launchModelContainer(this.d.engine, c, { name, home: setup.home, signal, throttled: slot.throttled, onCreated });
      slot.host = host;
      this.models = { chat: warm.chatPresent, embed: warm.embedPresent };
      if (!warm.chatPresent) {
        setup.block(`the model image lacks the chat model ${c.CHAT_MODEL} (run \`context-vault models pull\`)`);
        throw new Error(setup.blocked);
      }
      if (gone()) throw new StartCancelled();
      // Never leased with the boot limits: it serves with POOL_CPUS and the default weight.
      if (slot.throttled) await this.raiseCpu(slot);
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
