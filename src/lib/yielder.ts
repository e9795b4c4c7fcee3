import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Lets long work share the event loop. The embedded database answers through promises alone
 * (no socket, see PGliteLink), so a loop of statements never gives timers or HTTP requests a
 * turn: a 50,000-entry import kept `/health` silent for its whole run. Work that may run long
 * calls `maybe()` often; once `budgetMs` has passed since the last turn it waits one
 * `setImmediate`, after pending I/O callbacks (requests, sockets) have run.
 */
export class Yielder {
  private last = performance.now();
  /** How many times this yielder gave the event loop a turn (tests, benchmarks). */
  turns = 0;

  constructor(private readonly budgetMs = 15) {}

  /** Yields when the time budget is spent; otherwise returns at once. */
  async maybe(): Promise<void> {
    if (performance.now() - this.last >= this.budgetMs) await this.now();
  }

  /** Yields now (after a step known to be long, such as parsing a large file). */
  async now(): Promise<void> {
    await nextTurn();
    this.turns++;
    this.last = performance.now();
  }
}
