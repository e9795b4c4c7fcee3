/**
 * How long a rate-limited answer asks us to wait, in ms: `Retry-After` (seconds or an HTTP
 * date), else a reset header (`RateLimit-Reset`/`X-RateLimit-Reset`: seconds to wait, or an
 * epoch time when it is that large), else null.
 */
export function waitFromHeaders(h: Headers, now = Date.now()): number | null {
  const ra = h.get('retry-after');
  if (ra) {
    if (/^\d+(\.\d+)?$/.test(ra.trim())) return Math.ceil(Number(ra) * 1000);
    const at = Date.parse(ra);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const reset = h.get('ratelimit-reset') ?? h.get('x-ratelimit-reset');
  if (reset && /^\d+(\.\d+)?$/.test(reset.trim())) {
    const n = Number(reset);
    // Epoch seconds are ~1.7e9; a delay is small.
    if (n > 1e9) return Math.max(0, n * 1000 - now);
    return Math.ceil(n * 1000);
  }
  return null;
}
