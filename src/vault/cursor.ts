import { AppError } from '../errors.ts';

/** Opaque paging cursor: the sort key (µs since epoch) and id of the last item of a page. */
export function encodeCursor(c: { sortKey: string; id: string }): string {
  return Buffer.from(`${c.sortKey}|${c.id}`, 'utf8').toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function decodeCursor(s: string): { sortKey: string; id: string } {
  const [key, id] = Buffer.from(s, 'base64url').toString('utf8').split('|');
  if (!id || !UUID.test(id) || !key || !/^-?\d{1,17}$/.test(key)) {
    throw new AppError('invalid_cursor', 'The cursor is not one this server issued.');
  }
  return { sortKey: key, id };
}
