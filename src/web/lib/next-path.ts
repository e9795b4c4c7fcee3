/**
 * Where to return after signing in (`/login?next=…`). Only a same-origin, relative path is
 * accepted: `//evil.example`, `/\evil.example`, `https://…` and `javascript:` would turn the
 * sign-in page into an open redirect, so they fall back to the default.
 */
export function safeNext(raw: string | null | undefined, fallback = '/chat'): string {
  if (!raw || raw.length > 2000) return fallback;
  // Browsers read a backslash as a slash and drop tabs/newlines in URLs, so "/\\evil" or "/\t/evil" is "//evil".
  if (!raw.startsWith('/') || /[\\\u0000-\u001f\u007f]/.test(raw) || raw.startsWith('//')) return fallback;
  let url: URL;
  try {
    url = new URL(raw, 'https://same.invalid');
  } catch {
    return fallback;
  }
  if (url.origin !== 'https://same.invalid') return fallback;
  const path = url.pathname + url.search + url.hash;
  // Back to the sign-in screens (or the root) would just bounce; go to the default instead.
  // Dot segments can rebuild a "//host" path after parsing ("/a/..//evil"): check the result too.
  if (path.startsWith('//') || path === '/' || /^\/(login|signup)(\/|\?|#|$)/.test(path)) return fallback;
  return path;
}

/** `/login?next=<here>` for a signed-out visitor who asked for `path` (the root needs no note). */
export function loginWithNext(path: string, search: string, page: '/login' | '/signup' = '/login'): string {
  const here = path + search;
  const next = safeNext(here, '');
  return next ? `${page}?next=${encodeURIComponent(next)}` : page;
}
