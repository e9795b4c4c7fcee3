import { AppError, registerErrorStatus } from '../errors.ts';

/** Why a chat of a deleted account ended: the SSE `error` code and, before the stream, a 410. */
export class AccountDeletedError extends AppError {
  constructor() {
    super('account_deleted', 'This account was deleted, so its answer was stopped and nothing of it was kept.');
  }
}
registerErrorStatus('account_deleted', 410);

/**
 * The chat turns of each user in flight, from the moment they ask for a model until their stream
 * ended, so deleting an account can end them at once (and wait until they stopped writing).
 */
export class UserStreams {
  private readonly running = new Map<string, Set<{ controller: AbortController; ended: Promise<void> }>>();
  /** Accounts being deleted: a turn that starts meanwhile is ended at once too. */
  private readonly ending = new Set<string>();

  /** Registers a turn; the returned function marks it ended (call it exactly once). */
  track(userId: string, controller: AbortController): () => void {
    let end!: () => void;
    const entry = { controller, ended: new Promise<void>((r) => (end = r)) };
    let set = this.running.get(userId);
    if (!set) this.running.set(userId, (set = new Set()));
    set.add(entry);
    if (this.ending.has(userId)) controller.abort(new AccountDeletedError());
    return () => {
      end();
      set.delete(entry);
      if (!set.size && this.running.get(userId) === set) this.running.delete(userId);
    };
  }

  /**
   * Ends every turn of `userId` with AccountDeletedError and resolves when they stopped (or after
   * `waitMs`: a deletion is never held up for long). Turns starting in the next minute end too.
   */
  async endAll(userId: string, waitMs = 5000): Promise<number> {
    this.ending.add(userId);
    setTimeout(() => this.ending.delete(userId), 60_000).unref();
    const entries = [...(this.running.get(userId) ?? [])];
    for (const e of entries) e.controller.abort(new AccountDeletedError());
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(entries.map((e) => e.ended)), new Promise((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
    return entries.length;
  }
}

/** True when `signal` was aborted because the account is being deleted. */
export function endedByDeletion(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason instanceof AccountDeletedError;
}
