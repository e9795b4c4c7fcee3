/**
 * Runs `work` with a signal that aborts after `ms` or when `signal` does, and settles by then
 * whether or not `work` heeds its signal: a TimeoutError after `ms`, the caller's reason on
 * abort. Node 20's fetch can lose the link between a request and the signal it follows under
 * GC pressure (nodejs/node#55428), so a fetch to a server that never answers (a frozen
 * container) may not end on its signal alone; this bound is kept by a timer of our own.
 */
export async function withinDeadline<T>(ms: number, signal: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  signal?.throwIfAborted();
  const ctrl = new AbortController();
  const onAbort = () => ctrl.abort(signal?.reason);
  const ended = new Promise<never>((_, reject) => {
    ctrl.signal.addEventListener('abort', () => reject(ctrl.signal.reason), { once: true });
  });
  ended.catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => ctrl.abort(new DOMException('The operation timed out.', 'TimeoutError')), ms);
  try {
    const running = work(ctrl.signal);
    running.catch(() => undefined);
    return await Promise.race([running, ended]);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
