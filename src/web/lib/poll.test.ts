import { describe, expect, it } from 'vitest';
import { ApiError } from './api.ts';
import { POLL_MS, retryDelay } from './poll.ts';

describe('retryDelay', () => {
  it('stops on answers that asking again will not change', () => {
    for (const status of [400, 403, 404, 410]) expect(retryDelay(new ApiError(status, 'x', 'x'), 0), String(status)).toBeNull();
  });

  it('backs off on network failures and server errors, doubling up to a cap', () => {
    const net = new ApiError(0, 'network', 'offline');
    expect(retryDelay(net, 0)).toBe(POLL_MS);
    expect(retryDelay(net, 1)).toBe(POLL_MS * 2);
    expect(retryDelay(net, 3)).toBe(POLL_MS * 8);
    expect(retryDelay(new ApiError(502, 'bad_gateway', 'x'), 20)).toBe(15_000);
    expect(retryDelay(new Error('boom'), 2)).toBe(POLL_MS * 4);
  });

  it('waits out Retry-After on 429 and 503', () => {
    expect(retryDelay(new ApiError(429, 'rate_limited', 'x', 5), 0)).toBe(5000);
    expect(retryDelay(new ApiError(503, 'busy', 'x', 2), 4)).toBe(2000);
    expect(retryDelay(new ApiError(408, 'timeout', 'x'), 1)).toBe(POLL_MS * 2);
  });
});
