import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The pool's Prometheus metrics (no user ids in labels): lease wait, start time, rotations, failures. */
export class PoolMetrics {
  readonly leaseWait: Histogram<'backend'>;
  readonly containerStart: Histogram;
  readonly rotations: Counter<'reason'>;
  readonly failures: Counter<'reason'>;
  readonly containers: Gauge<'state'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.leaseWait = reuse(registry, 'model_pool_lease_wait_seconds', () =>
      new Histogram({
        name: 'model_pool_lease_wait_seconds',
        help: 'Time from a lease request to a ready model (queue wait included).',
        labelNames: ['backend'],
        buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 30, 60],
        registers,
      }),
    );
    this.containerStart = reuse(registry, 'model_pool_container_start_seconds', () =>
      new Histogram({
        name: 'model_pool_container_start_seconds',
        help: 'Model container create → ready (answering and chat model loaded).',
        buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
        registers,
      }),
    );
    this.rotations = reuse(registry, 'model_pool_rotations_total', () =>
      new Counter({ name: 'model_pool_rotations_total', help: 'Containers retired by rotation limits.', labelNames: ['reason'], registers }),
    );
    this.failures = reuse(registry, 'model_pool_failures_total', () =>
      new Counter({ name: 'model_pool_failures_total', help: 'Containers removed after a failure, and failed starts.', labelNames: ['reason'], registers }),
    );
    this.containers = reuse(registry, 'model_pool_containers', () =>
      new Gauge({ name: 'model_pool_containers', help: 'Model containers by state.', labelNames: ['state'], registers }),
    );
  }

  /** Sets the containers gauge from the pool's counts by state. */
  setContainers(counts: Record<string, number>): void {
    for (const [state, n] of Object.entries(counts)) this.containers.set({ state }, n);
  }
}

/** A registry holds one metric per name; a second pool on the same registry shares it. */
function reuse<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}
