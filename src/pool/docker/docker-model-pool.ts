import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import { PoolSaturatedError, PoolUnavailableError, type ModelLease, type ModelPool, type PoolHealth } from '../model-pool.ts';
import { OllamaLease, type LeaseOutcome } from '../ollama-lease.ts';
import type { PoolMetrics } from '../pool-metrics.ts';
import { MODEL_PORT } from './container-spec.ts';
import { LeaseQueue } from './lease-queue.ts';
import { ModelEngine } from './model-engine.ts';
import { waitForOllama, warmUp } from './readiness.ts';

type PoolConfig = Pick<
  Config,
  | 'POOL_IMAGE' | 'POOL_MIN_WARM' | 'POOL_MAX_CONTAINERS' | 'POOL_MAX_REQUESTS' | 'POOL_MAX_AGE_S' | 'POOL_MEMORY_MB'
  | 'POOL_CPUS' | 'POOL_PIDS_LIMIT' | 'POOL_NETWORK' | 'POOL_QUEUE_MAX' | 'POOL_LEASE_TIMEOUT_MS' | 'POOL_INSTANCE'
  | 'POOL_STREAM_IDLE_MS' | 'POOL_START_TIMEOUT_MS' | 'POOL_CONNECT' | 'CHAT_MODEL' | 'EMBED_MODEL'
>;

export interface DockerModelPoolOptions {
  docker: Docker;
  config: PoolConfig;
  log: Logger;
  metrics?: PoolMetrics;
}

/** One model container. `userId` binds it to the one user it may ever serve. */
interface Slot {
  name: string;
  containerId?: string;
  host?: string;
  state: 'starting' | 'ready' | 'busy';
  userId?: string;
  requests: number;
  createdAt: number;
  lastUsedAt: number;
  lease?: OllamaLease;
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
  private home = '/root';
  private initialized = false;
  private engineUp = true;
  private closed = false;
  private blocked: string | undefined;
  private createdNetwork = false;
  private failuresInARow = 0;
  private nextStartAt = 0;
  private models: { chat: boolean | null; embed: boolean | null } = { chat: null, embed: null };
  private stopWatching: (() => void) | undefined;
  private tick: NodeJS.Timeout | undefined;
  private ticks = 0;
  private holdMsAvg = 2000;

  constructor(private readonly opts: DockerModelPoolOptions) {
    this.instance = opts.config.POOL_INSTANCE ?? 'default';
    this.engine = new ModelEngine(opts.docker, this.instance, this.owner);
    this.queue = new LeaseQueue(opts.config.POOL_QUEUE_MAX);
    this.log = opts.log.child({ pool: this.instance });
  }

  /** Reaps containers of previous processes, checks the image, ensures the network, then warms up in the background. */
  async start(): Promise<void> {
    this.tick = setInterval(() => void this.onTick(), 1000);
    this.tick.unref();
    await this.initialize();
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
    const waiting = this.queue.enqueue(userId, {
      timeoutMs: this.opts.config.POOL_LEASE_TIMEOUT_MS,
      signal: opts.signal,
      onTimeout: () => new PoolSaturatedError(this.retryAfterS()),
    });
    this.dispatch();
    return this.observeWait(await waiting, started);
  }

  async health(): Promise<PoolHealth> {
    const c = this.counts();
    const detail = this.closed
      ? 'shutting down'
      : !this.engineUp
        ? 'the Docker engine is not reachable'
        : this.blocked ?? (this.initialized ? `ephemeral containers of ${this.opts.config.POOL_IMAGE} on internal network ${this.opts.config.POOL_NETWORK}` : 'starting');
    return {
      ok: !this.closed && this.engineUp && !this.blocked && this.initialized && this.models.chat !== false,
      backend: 'docker',
      ephemeral: true,
      warm: c.warm,
      busy: c.busy,
      starting: c.starting,
      queued: this.queue.length,
      chatModel: { name: this.opts.config.CHAT_MODEL, present: this.models.chat },
      embedModel: { name: this.opts.config.EMBED_MODEL, present: this.models.embed },
      detail,
      ...{ idle: c.idle, engine: this.engineUp ? 'up' : 'down' },
    };
  }

  /** Resolves once POOL_MIN_WARM containers are ready (tests and benchmarks). */
  async waitUntilWarm(timeoutMs = 60_000, count = this.opts.config.POOL_MIN_WARM): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.counts().warm < count) {
      if (Date.now() > deadline) throw new Error(`pool not warm after ${timeoutMs} ms (${JSON.stringify(this.counts())}, ${this.blocked ?? ''})`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Removes every container of this process; waits for starts in flight so none survives. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.tick);
    this.stopWatching?.();
    this.queue.rejectAll(() => new PoolUnavailableError('The model pool is shutting down.'));
    for (const s of this.slots.values()) s.lease?.kill('The model pool is shutting down.');
    await Promise.allSettled([...this.pending]);
    const ids = [...this.slots.values()].map((s) => s.containerId).filter((id): id is string => !!id);
    this.slots.clear();
    await Promise.allSettled(ids.map((id) => this.engine.remove(id)));
    const left = await this.engine.removeOwn().catch(() => 0);
    if (left) this.log.warn({ removed: left }, 'removed model containers left after close');
    if (this.createdNetwork) await this.engine.removeNetwork(this.opts.config.POOL_NETWORK);
    this.updateGauge();
  }

  private async initialize(): Promise<void> {
    try {
      if (!(await this.engine.ping())) return this.engineDown();
      const reaped = await this.engine.reapOrphans();
      if (reaped) this.log.warn({ reaped }, 'removed model containers left by a previous gateway process');
      const image = await this.engine.imageHome(this.opts.config.POOL_IMAGE);
      if (!image) {
        this.blocked = `image ${this.opts.config.POOL_IMAGE} is not present locally (build it, or run \`context-vault models pull\`); images are never pulled at run time`;
        this.log.error({ image: this.opts.config.POOL_IMAGE }, 'model image missing');
        this.initialized = true;
        return;
      }
      this.home = image.home;
      this.createdNetwork = (await this.engine.ensureInternalNetwork(this.opts.config.POOL_NETWORK)) || this.createdNetwork;
      this.stopWatching?.();
      this.stopWatching = await this.engine.watchDeaths(
        (id) => this.onContainerDied(id),
        () => void this.checkEngine(),
      );
      this.blocked = undefined;
      this.initialized = true;
      this.engineUp = true;
      this.maintain();
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'model pool initialisation failed');
      if (!(await this.engine.ping())) return this.engineDown();
      this.blocked = (e as Error).message;
      this.initialized = true;
    }
  }

  /** A ready container for `userId`: its own idle one first, else an unbound warm one. */
  private take(userId: string): ModelLease | undefined {
    let pick: Slot | undefined;
    for (const s of this.slots.values()) {
      if (s.state !== 'ready') continue;
      if (s.userId === userId) {
        pick = s;
        break;
      }
      if (!s.userId && !pick) pick = s;
    }
    if (!pick) return undefined;
    const slot = pick;
    slot.state = 'busy';
    slot.userId = userId;
    slot.requests++;
    const leasedAt = performance.now();
    const lease = new OllamaLease(slot.name, userId, {
      host: slot.host!,
      idleTimeoutMs: this.opts.config.POOL_STREAM_IDLE_MS,
      keepAlive: `${this.opts.config.POOL_MAX_AGE_S + 60}s`,
      onRelease: async (outcome) => {
        this.holdMsAvg = this.holdMsAvg * 0.8 + (performance.now() - leasedAt) * 0.2;
        this.onRelease(slot, outcome);
      },
    });
    slot.lease = lease;
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
    else if (slot.requests >= c.POOL_MAX_REQUESTS) this.retire(slot, 'requests');
    else if (Date.now() - slot.createdAt >= c.POOL_MAX_AGE_S * 1000) this.retire(slot, 'age');
    else {
      slot.state = 'ready';
      slot.lastUsedAt = Date.now();
      this.dispatch();
    }
    this.updateGauge();
  }

  /** Removes a container for good (rotation or failure) and lets the pool start its replacement. */
  private retire(slot: Slot, reason: 'requests' | 'age' | 'failed' | 'died' | 'evicted', thenMaintain = true): void {
    this.slots.delete(slot.name);
    slot.lease?.kill(reason === 'died' ? 'The model container stopped unexpectedly.' : 'The model container was removed.');
    if (reason === 'failed' || reason === 'died') this.opts.metrics?.failures.inc({ reason });
    else this.opts.metrics?.rotations.inc({ reason });
    this.log.info({ container: slot.name, reason, requests: slot.requests }, 'model container retired');
    if (slot.containerId) this.track(this.engine.remove(slot.containerId).catch(() => this.checkEngine()));
    this.updateGauge();
    if (thenMaintain) this.maintain();
  }

  private onContainerDied(containerId: string): void {
    for (const s of this.slots.values()) {
      if (s.containerId === containerId) return this.retire(s, 'died');
    }
  }

  /** Serves waiters from ready containers, then starts containers (or evicts idle ones) as needed. */
  private dispatch(): void {
    while (this.queue.length && this.queue.serveNext((u) => this.take(u)));
    this.maintain();
  }

  private maintain(): void {
    if (this.closed || !this.engineUp || this.blocked || !this.initialized) return;
    const c = this.opts.config;
    const counts = this.counts();
    const total = this.slots.size;
    const waiting = this.queue.length;
    // Unbound containers (ready or starting) should cover the warm target plus everyone waiting.
    const want = c.POOL_MIN_WARM + waiting - counts.warm - counts.starting;
    let room = c.POOL_MAX_CONTAINERS - total;
    if (want > room && waiting > 0) {
      // At the cap with people waiting: idle containers bound to users not in the queue make room.
      const waitingUsers = new Set(this.queue.users());
      const idle = [...this.slots.values()]
        .filter((s) => s.state === 'ready' && s.userId && !waitingUsers.has(s.userId))
        .sort((a, b) => a.lastUsedAt - b.lastUsedAt);
      for (const s of idle.slice(0, Math.min(want, waiting) - room)) {
        this.retire(s, 'evicted', false);
        room++;
      }
    }
    const toStart = Math.min(want, room);
    if (toStart <= 0) return;
    if (Date.now() < this.nextStartAt) return; // backing off after failed starts; the tick retries
    for (let i = 0; i < toStart; i++) this.track(this.startOne());
  }

  private async startOne(): Promise<void> {
    const c = this.opts.config;
    const name = `cv-model-${this.instance}-${randomBytes(4).toString('hex')}`.slice(0, 63);
    const slot: Slot = { name, state: 'starting', requests: 0, createdAt: Date.now(), lastUsedAt: 0 };
    this.slots.set(name, slot);
    this.updateGauge();
    const t0 = performance.now();
    const gone = () => this.closed || this.slots.get(name) !== slot;
    try {
      const started = await this.engine.startContainer(
        { image: c.POOL_IMAGE, name, network: c.POOL_NETWORK, memoryMb: c.POOL_MEMORY_MB, cpus: c.POOL_CPUS, pidsLimit: c.POOL_PIDS_LIMIT, home: this.home },
        (id) => (slot.containerId = id),
      );
      slot.host = `http://${c.POOL_CONNECT === 'name' ? name : started.ip}:${MODEL_PORT}`;
      const deadline = Date.now() + c.POOL_START_TIMEOUT_MS;
      await waitForOllama(slot.host, deadline, gone);
      const warm = await warmUp(slot.host, { chat: c.CHAT_MODEL, embed: c.EMBED_MODEL }, `${c.POOL_MAX_AGE_S + 60}s`, Math.max(1000, deadline - Date.now()));
      this.models = { chat: warm.chatPresent, embed: warm.embedPresent };
      if (!warm.chatPresent) {
        this.blocked = `the model image lacks the chat model ${c.CHAT_MODEL} (run \`context-vault models pull\`)`;
        throw new Error(this.blocked);
      }
      if (gone()) throw new Error('cancelled');
      slot.state = 'ready';
      slot.createdAt = Date.now();
      this.failuresInARow = 0;
      this.opts.metrics?.containerStart.observe((performance.now() - t0) / 1000);
      this.log.debug({ container: name, ms: Math.round(performance.now() - t0) }, 'model container ready');
      this.updateGauge();
      this.dispatch();
    } catch (e) {
      if (this.slots.get(name) === slot) this.slots.delete(name);
      if (slot.containerId) await this.engine.remove(slot.containerId).catch(() => undefined);
      this.updateGauge();
      if (this.closed || (e as Error).message === 'cancelled') return;
      this.opts.metrics?.failures.inc({ reason: 'start' });
      this.failuresInARow++;
      this.nextStartAt = Date.now() + Math.min(30_000, 250 * 2 ** this.failuresInARow);
      this.log.error({ container: name, err: (e as Error).message, inARow: this.failuresInARow }, 'model container failed to start');
      if (!(await this.checkEngine())) return;
      if (this.blocked) this.queue.rejectAll(() => new PoolUnavailableError(`No model container can start: ${this.blocked}`));
    }
  }

  /** Pings the engine; on failure fails every waiter fast and waits for the engine to return. */
  private async checkEngine(): Promise<boolean> {
    if (this.closed) return false;
    if (await this.engine.ping()) return true;
    this.engineDown();
    return false;
  }

  private engineDown(): void {
    if (this.engineUp) this.log.error('the Docker engine is not reachable; model leases fail until it returns');
    this.engineUp = false;
    this.stopWatching?.();
    this.stopWatching = undefined;
    this.queue.rejectAll(() => new PoolUnavailableError(ENGINE_DOWN));
  }

  /** Age rotation of idle containers, engine liveness and recovery, retries after backoff. */
  private async onTick(): Promise<void> {
    if (this.closed) return;
    this.ticks++;
    if (!this.engineUp) {
      if (await this.engine.ping()) await this.recover();
      return;
    }
    if (this.ticks % 3 === 0) await this.checkEngine();
    const maxAgeMs = this.opts.config.POOL_MAX_AGE_S * 1000;
    for (const s of [...this.slots.values()]) {
      if (s.state === 'ready' && Date.now() - s.createdAt >= maxAgeMs) this.retire(s, 'age');
    }
    this.maintain();
  }

  /** The engine is back: forget containers that no longer run, then initialise again. */
  private async recover(): Promise<void> {
    const running = new Set((await this.engine.list(true).catch(() => [])).filter((c) => c.State === 'running').map((c) => c.Id));
    for (const s of [...this.slots.values()]) {
      if (s.state !== 'starting' && (!s.containerId || !running.has(s.containerId))) this.retire(s, 'died');
    }
    this.log.info('the Docker engine answers again');
    this.engineUp = true;
    this.nextStartAt = 0;
    await this.initialize();
  }

  private counts() {
    let warm = 0, idle = 0, busy = 0, starting = 0;
    for (const s of this.slots.values()) {
      if (s.state === 'starting') starting++;
      else if (s.state === 'busy') busy++;
      else if (s.userId) idle++;
      else warm++;
    }
    return { warm, idle, busy, starting };
  }

  private updateGauge(): void {
    const g = this.opts.metrics?.containers;
    if (!g) return;
    for (const [state, n] of Object.entries(this.counts())) g.set({ state }, n);
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
