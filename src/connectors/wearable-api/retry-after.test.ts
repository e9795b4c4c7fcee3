import { describe, expect, it } from 'vitest';
import { waitFromHeaders } from './retry-after.ts';

describe('waitFromHeaders', () => {
  const now = Date.parse('2026-11-22T10:00:00Z');
  it('reads Retry-After as seconds or as a date', () => {
    expect(waitFromHeaders(new Headers({ 'retry-after': '3' }), now)).toBe(3000);
    expect(waitFromHeaders(new Headers({ 'retry-after': 'Sun, 22 Nov 2026 10:00:05 GMT' }), now)).toBe(5000);
  });
  it('falls back to reset headers, as a delay or an epoch time', () => {
    expect(waitFromHeaders(new Headers({ 'x-ratelimit-reset': '2' }), now)).toBe(2000);
    expect(waitFromHeaders(new Headers({ 'ratelimit-reset': String(now / 1000 + 7) }), now)).toBe(7000);
    expect(waitFromHeaders(new Headers({}), now)).toBeNull();
  });
});
