import type { Logger } from 'pino';

/**
 * Container removals that must not be forgotten. A model container holds a user's records in its
 * memory, so one whose removal failed (an engine slow or briefly gone, a timeout under load) is
 * tried again at every `retry()` until the engine says it is gone, instead of living on unseen.
 */
export class Removals {
  private readonly failed = new Set<string>();
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly remove: (id: string) => Promise<void>,
    private readonly log: Logger,
    private readonly onError: () => void = () => undefined,
  ) {}

  /** Removes `id` now; on failure it is kept for the next `retry()`. Never rejects. */
  async run(id: string): Promise<void> {
    if (this.inFlight.has(id)) return;
    this.inFlight.add(id);
    try {
      await this.remove(id);
      this.failed.delete(id);
    } catch (e) {
      if (!this.failed.has(id)) this.log.warn({ container: id.slice(0, 12), err: (e as Error).message }, 'could not remove a model container; will retry');
      this.failed.add(id);
      this.onError();
    } finally {
      this.inFlight.delete(id);
    }
  }

  /** Tries every failed removal again; resolves when those attempts have ended. */
  retry(): Promise<void> {
    return Promise.all([...this.failed].map((id) => this.run(id))).then(() => undefined);
  }

  /** Containers whose removal has failed and not yet succeeded. */
  get outstanding(): string[] {
    return [...this.failed];
  }
}
