/**
 * How callers tell the database's answers apart without showing its words to a person: a
 * PostgreSQL error text may quote the value it refused (record content).
 */

/** The SQLSTATE of a database error, if `e` is one (pg sets `code` and `severity`). */
export function sqlState(e: unknown): string | undefined {
  const x = e as { code?: unknown; severity?: unknown } | null;
  return x && typeof x.code === 'string' && /^[0-9A-Z]{5}$/.test(x.code) && typeof x.severity === 'string' ? x.code : undefined;
}

/**
 * The database refused a value (class 22, data exception: a NUL, an invalid byte sequence, a
 * value out of range) or hit a size limit (class 54, e.g. a word list too long for a tsvector):
 * the row is at fault, not the database, so the caller may skip it and go on.
 */
export function isDataRefusal(e: unknown): boolean {
  const code = sqlState(e);
  return !!code && (code.startsWith('22') || code.startsWith('54'));
}
