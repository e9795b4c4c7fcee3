/**
 * A signal that aborts after `ms` (reason: a `TimeoutError`) or as soon as `signal` does, so a
 * call bounded by its own timeout still ends the moment its caller (a job, the pool's close) stops.
 */
export function withDeadline(ms: number, signal?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(ms);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}
