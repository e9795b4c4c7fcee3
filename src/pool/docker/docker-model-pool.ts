import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { PoolSaturatedError, PoolUnavailableError, type ModelLease, type ModelPool, type PoolHealth } from '../model-pool.ts';
import type { LeaseOutcome } from '../ollama-lease.ts';
import type { PoolMetrics } from '../pool-metrics.ts';
import { waitForWarm } from '../wait-warm.ts';
import { dockerPoolHealth } from './docker-pool-health.ts';
import { DeathWatch } from './death-watch.ts';
import { ContainerStarter } from './container-starter.ts';
import { EngineSetup } from './engine-setup.ts';
import { keepAliveFor } from './launch.ts';
import { EngineLiveness } from './engine-liveness.ts';
import { LeaseQueue } from './lease-queue.ts';
import { ModelEngine } from './model-engine.ts';
import { QuietGate } from './quiet-gate.ts';
import { Removals } from './removals.ts';
import { DEFAULT_TIMINGS, type DockerPoolTimings, type PoolConfigView } from './pool-config.ts';
import { probeIdle } from './readiness.ts';
import { countSlots, idleChecks, leaseSlot, notRunning, pickSlot, planCapacity, type Slot } from './slots.ts';

export interface DockerModelPoolOptions {
  docker: Docker;
  config: PoolConfigView;
  log: Logger;
  metrics?: PoolMetrics;
  timings?: Partial<DockerPoolTimings>;
}

const ENGINE_DOWN = 'The Docker engine is not reachable, so no model container can run; try again shortly.';

/**
 * The `docker` backend: a warm pool of ephemeral, tmpfs-only Ollama containers on an internal
 * network. A container serves one request at a time and one user for its life, and is removed
 * after POOL_MAX_REQUESTS leases or POOL_MAX_AGE_S seconds; replacements start in the
 * background so rotation never sits on a request's path.
 */
export class DockerModelPool implements ModelPool {
  readonly backend = 'docker' as const;
  readonly owner = randomBytes(6).toString('hex');
  readonly instance: string;
  private readonly engine: ModelEngine;
  private readonly slots = new Map<string, Slot>();
  private readonly queue: LeaseQueue<ModelLease>;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly log: Logger;
  private closed = false;
  private readonly setup: EngineSetup;
  private readonly starter: ContainerStarter;
  private readonly deaths: DeathWatch;
  private readonly liveness: EngineLiveness;
  /** Aborted by close(): every wait of a container start ends at once. */
  private readonly closing = new AbortController();
  private readonly timings: DockerPoolTimings;
  private holdMsAvg = 2000;
  private readonly removals: Removals;
  private readonly gate: QuietGate;

  constructor(private readonly opts: DockerModelPoolOptions) {
    this.instance = opts.config.POOL_INSTANCE ?? 'default';
    this.timings = { ...DEFAULT_TIMINGS, ...opts.timings };
    this.gate = new QuietGate({ idleMs: this.timings.quietIdleMs, maxDelayMs: this.timings.quietMaxDelayMs });
    // With someone queued, a start or a removal (which frees room under the cap) is what they wait on: no holding back.
    this.engine = new ModelEngine(opts.docker, this.instance, this.owner, () => (this.queue.length ? Promise.resolve() : this.gate.wait()));
    this.queue = new LeaseQueue(opts.config.POOL_QUEUE_MAX);
    this.log = opts.log.child({ pool: this.instance });
    this.deaths = new DeathWatch(
      this.engine,
      { onDeath: (id) => this.onContainerDied(id), onStreamEnd: () => void this.checkEngine(), reconcile: () => this.reconcile() },
      this.log,
      this.timings.eventsRetryMs,
    );
    this.removals = new Removals((id) => this.engine.remove(id), this.log, () => void this.checkEngine());
    this.liveness = new EngineLiveness(this.engine, { onDown: () => this.onEngineDown(), onUp: () => this.recover(), onTick: () => this.onTick() });
    this.setup = new EngineSetup(this.engine, opts.config, this.log, this.deaths, this.liveness, this.timings.blockedRetryMs, {
      closed: () => this.closed, startOne: () => this.starter.startOne(), maintain: () => this.maintain(), checkEngine: () => this.checkEngine(),
    });
    this.starter = new ContainerStarter({
      engine: this.engine, config: opts.config, instance: this.instance, log: this.log, metrics: opts.metrics, setup: this.setup,
      slots: this.slots, removals: this.removals, closing: this.closing.signal, closed: () => this.closed,
      changed: () => this.updateGauge(), ready: () => this.dispatch(), checkEngine: () => this.checkEngine(),
      serving: () => this.counts().busy > 0, waiting: () => this.queue.length > 0,
      blocked: (reason) => this.queue.rejectAll(() => new PoolUnavailableError(`No model container can start: ${reason}`)),
    });
  }

  private get engineUp(): boolean {
    return this.liveness.up;
  }

  private get blocked(): string | undefined {
    return this.setup.blocked;
  }

  /** Reaps containers of previous processes, checks the image, ensures the network, then warms up in the background. */
  async start(): Promise<void> {
    this.liveness.start();
    await this.setup.initialize();
  }

  async lease(userId: string, opts: { signal?: AbortSignal } = {}): Promise<ModelLease> {
    if (this.closed) throw new PoolUnavailableError('The model pool is shutting down.');
    if (!this.engineUp) throw new PoolUnavailableError(ENGINE_DOWN);
    if (this.blocked) throw new PoolUnavailableError(`No model container can start: ${this.blocked}`);
    opts.signal?.throwIfAborted();
    const started = performance.now();
    const now = this.queue.length === 0 ? this.take(userId) : undefined;
    if (now) return this.observeWait(now, started);
    if (this.queue.full) throw new PoolSaturatedError(this.retryAfterS());
    this.gate.hurry();
    const waiting = this.queue.enqueue(userId, {
      timeoutMs: this.opts.config.POOL_LEASE_TIMEOUT_MS,
      signal: opts.signal,
      onTimeout: () => new PoolSaturatedError(this.retryAfterS()),
    });
    this.dispatch();
    this.starter.hurry(); // boots throttled for a request in flight go full speed for a waiting user
    return this.observeWait(await waiting, started);
  }

  async health(): Promise<PoolHealth> {
    const { closed, engineUp, blocked } = this;
    const { models } = this.starter;
    return dockerPoolHealth({ closed, engineUp, initialized: this.setup.initialized, blocked, models, counts: this.counts(), queued: this.queue.length }, this.opts.config);
  }

  /** Resolves once POOL_MIN_WARM (or `count`) containers are warm. */
  waitUntilWarm(timeoutMs = 60_000, count = this.opts.config.POOL_MIN_WARM): Promise<void> {
    return waitForWarm(this, count, timeoutMs);
  }

  /**
   * Removes every container of this process. Starts in flight are cancelled (their waits abort)
   * rather than waited out, so shutdown fits in compose's grace period; none survives.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    this.gate.open();
    this.liveness.stop();
    this.deaths.stop();
    this.queue.rejectAll(() => new PoolUnavailableError('The model pool is shutting down.'));
    for (const s of this.slots.values()) s.lease?.kill('The model pool is shutting down.');
    await Promise.allSettled([...this.pending]);
    this.slots.clear();
    // Every container this process labelled, whether or not the pool still tracked it.
    const removed = await this.engine.removeOwn().catch(() => 0);
    this.log.info({ removed }, 'model pool closed');
    if (this.setup.createdNetwork) await this.engine.removeNetwork(this.opts.config.POOL_NETWORK);
    this.updateGauge();
  }

  /** A ready container for `userId`: its own idle one first, else an unbound warm one. */
  private take(userId: string): ModelLease | undefined {
    const slot = pickSlot(this.slots.values(), userId);
    if (!slot) return undefined;
    const firstToken = this.gate.leased();
    const lease = leaseSlot(slot, userId, {
      idleTimeoutMs: this.opts.config.POOL_STREAM_IDLE_MS,
      keepAlive: keepAliveFor(this.opts.config),
      numCtx: this.opts.config.NUM_CTX,
      onFirstToken: firstToken,
      onRelease: (outcome, heldMs) => {
        firstToken();
        this.gate.released();
        this.holdMsAvg = this.holdMsAvg * 0.8 + heldMs * 0.2;
        this.onRelease(slot, outcome);
      },
    });
    // Taking a warm container may leave fewer than POOL_MIN_WARM: replace it off the request path.
    queueMicrotask(() => this.maintain());
    this.updateGauge();
    return lease;
  }

  private onRelease(slot: Slot, outcome: LeaseOutcome): void {
    slot.lease = undefined;
    if (this.slots.get(slot.name) !== slot) return; // already retired (died, shutdown)
    const c = this.opts.config;
    if (outcome === 'failed') this.retire(slot, 'failed');
    else if (outcome === 'retire') this.retire(slot, 'account_deleted');
    else if (slot.requests >= c.POOL_MAX_REQUESTS) this.retire(slot, 'requests');
    else if (Date.now() - slot.createdAt >= c.POOL_MAX_AGE_S * 1000) this.retire(slot, 'age');
    else {
      slot.state = 'ready';
      slot.lastUsedAt = slot.checkedAt = Date.now();
      slot.probeFailures = 0;
      this.dispatch();
    }
    this.updateGauge();
  }

  /** Removes a container for good (rotation or failure) and lets the pool start its replacement. */
  private retire(slot: Slot, reason: 'requests' | 'age' | 'failed' | 'died' | 'unresponsive' | 'evicted' | 'account_deleted', thenMaintain = true): void {
    this.slots.delete(slot.name);
    slot.cancelStart?.abort();
    slot.lease?.kill(reason === 'died' ? 'The model container stopped unexpectedly.' : 'The model container was removed.');
    if (reason === 'failed' || reason === 'died' || reason === 'unresponsive') this.opts.metrics?.failures.inc({ reason });
    else this.opts.metrics?.rotations.inc({ reason });
    this.log.info({ container: slot.name, reason, requests: slot.requests }, 'model container retired');
    if (slot.containerId) this.track(this.removals.run(slot.containerId));
    this.updateGauge();
    if (thenMaintain) this.maintain();
  }

  private onContainerDied(containerId: string): void {
    const slot = [...this.slots.values()].find((s) => s.containerId === containerId);
    if (!slot) return;
    // Dying while starting is a failed start: back off, or a crashing image would loop.
    if (slot.state === 'starting') this.starter.backOff();
    this.retire(slot, 'died');
  }

  /** Serves waiters from ready containers, then starts containers (or evicts idle ones) as needed. */
  private dispatch(): void {
    while (this.queue.length && this.queue.serveNext((u) => this.take(u)));
    this.maintain();
  }

  private maintain(): void {
    if (this.closed || !this.engineUp || this.blocked || !this.setup.initialized) return;
    const c = this.opts.config;
    const plan = planCapacity({ slots: [...this.slots.values()], waitingUsers: this.queue.users(), minWarm: c.POOL_MIN_WARM, max: c.POOL_MAX_CONTAINERS });
    for (const s of plan.evict) this.retire(s, 'evicted', false);
    if (plan.start <= 0 || this.starter.backingOff) return; // backing off after failed starts: the tick retries
    for (let i = 0; i < plan.start; i++) this.track(this.starter.startOne());
  }

  /** Pings the engine; on failure every waiter fails fast until it returns. */
  private async checkEngine(): Promise<boolean> {
    return !this.closed && (await this.liveness.check());
  }

  private onEngineDown(): void {
    this.log.error('the Docker engine is not reachable; model leases fail until it returns');
    this.deaths.stop();
    this.queue.rejectAll(() => new PoolUnavailableError(ENGINE_DOWN));
  }

  /** Age rotation and probing of idle containers, retries after a start backoff or while blocked. */
  private onTick(): void {
    if (this.closed) return;
    const checks = idleChecks(this.slots.values(), Date.now(), { maxAgeMs: this.opts.config.POOL_MAX_AGE_S * 1000, idleProbeMs: this.timings.idleProbeMs });
    for (const s of checks.expired) this.retire(s, 'age');
    for (const s of checks.probe) void this.probe(s);
    if (this.removals.outstanding.length) this.track(this.removals.retry());
    const retry = this.setup.retryIfDue();
    if (retry) this.track(retry);
    this.maintain();
  }

  /**
   * An idle container that no longer answers (twice in a row: one slow answer on a loaded host is
   * not enough) is retired now, not when a user gets it and waits out the idle timeout.
   */
  private async probe(slot: Slot): Promise<void> {
    const silent = await probeIdle(slot, this.timings.idleProbeTimeoutMs, this.closing.signal);
    if (silent && !this.closed && slot.state === 'ready' && this.slots.get(slot.name) === slot) this.retire(slot, 'unresponsive');
  }

  /** Retires containers the pool counts as ready or busy that no longer run (after an engine or events gap). */
  private async reconcile(): Promise<void> {
    if (this.closed) return;
    const running = new Set((await this.engine.list(true)).filter((c) => c.State === 'running').map((c) => c.Id));
    for (const s of notRunning(this.slots.values(), running)) this.retire(s, 'died');
  }

  /** The engine is back: forget containers that no longer run, then initialise again. */
  private async recover(): Promise<void> {
    if (this.closed) return;
    await this.reconcile().catch(() => undefined);
    this.log.info('the Docker engine answers again');
    this.starter.resetBackoff();
    await this.setup.initialize();
  }

  private counts() {
    return countSlots(this.slots.values());
  }

  private updateGauge(): void {
    this.opts.metrics?.setContainers({ ...this.counts() });
  }

  private observeWait(lease: ModelLease, started: number): ModelLease {
    this.opts.metrics?.leaseWait.observe({ backend: 'docker' }, (performance.now() - started) / 1000);
    return lease;
  }

  private retryAfterS(): number {
    return Math.min(30, Math.max(1, Math.ceil(this.holdMsAvg / 1000)));
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}
