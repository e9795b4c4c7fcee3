/**
 * Strict ISO 8601 dates for the API. `Date.parse` is too forgiving for health records: it rolls
 * `2024-02-30` over to March 1, takes year 0 and expanded years (`+010000`) and a `24:00` hour,
 * so a typo would be stored as another, real-looking date. Accepted: `YYYY-MM-DD`, or that date
 * with a time `THH:MM[:SS[.fraction]]` and an optional `Z` or `±HH:MM` offset.
 */
const SHAPE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):?(\d{2}))?)?$/i;

export const ISO_DATE_MESSAGE = 'must be a real calendar date: YYYY-MM-DD or an ISO 8601 date-time, year 0001 to 9999';

const daysIn = (y: number, m: number) => new Date(Date.UTC(2000, m, 0)).getUTCDate() - (m === 2 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)) ? 1 : 0);

/** True when `s` is a date or date-time that exists on the calendar and the clock. */
export function isStrictIsoDate(s: string): boolean {
  const m = SHAPE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [+m[1], +m[2], +m[3]];
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo)) return false;
  if (m[4] !== undefined && (+m[4] > 23 || +m[5] > 59 || (m[6] !== undefined && +m[6] > 59))) return false;
  if (m[8] !== undefined && (+m[8] > 14 || +m[9] > 59)) return false;
  return !Number.isNaN(Date.parse(s));
}
