import type { ModelEngine } from './model-engine.ts';

/**
 * Watches whether the Docker engine answers: a ping every few seconds while up (so leases fail
 * fast soon after it goes), every second while down (so the pool recovers soon after it returns).
 */
export class EngineLiveness {
  up = true;
  private timer: NodeJS.Timeout | undefined;
  private ticks = 0;

  constructor(
    private readonly engine: ModelEngine,
    private readonly hooks: { onDown(): void; onUp(): Promise<void>; onTick(): void },
    private readonly pingEveryTicks = 3,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Pings now; marks the engine down when it does not answer. */
  async check(): Promise<boolean> {
    if (await this.engine.ping()) return true;
    this.markDown();
    return false;
  }

  markDown(): void {
    if (!this.up) return;
    this.up = false;
    this.hooks.onDown();
  }

  private async tick(): Promise<void> {
    this.ticks++;
    if (!this.up) {
      if (await this.engine.ping()) {
        this.up = true;
        await this.hooks.onUp();
      }
      return;
    }
    if (this.ticks % this.pingEveryTicks === 0 && !(await this.check())) return;
    this.hooks.onTick();
  }
}
