import { ApiError } from './api.ts';

/** How often a job is polled while all is well. */
export const POLL_MS = 700;
const MAX_BACKOFF_MS = 15_000;

/**
 * What a poller does after a failed read: `null` stops (a 4xx other than 408/429 will not
 * change by asking again — the job is gone, someone else's, or the request is wrong), else
 * the wait before the next try, doubling from the poll interval up to 15 s, or the server's
 * Retry-After when it gives one.
 */
export function retryDelay(error: unknown, failures: number): number | null {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429) return null;
  if (error instanceof ApiError && error.retryAfterS) return Math.min(error.retryAfterS * 1000, 60_000);
  return Math.min(POLL_MS * 2 ** Math.max(0, failures), MAX_BACKOFF_MS);
}
