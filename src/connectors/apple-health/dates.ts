/** A HealthKit export time: `2018-09-10 02:47:35 -0700`, kept with its offset. */
export interface ExportTime {
  ms: number;
  /** `-07:00` */
  tz: string;
  /** The local calendar day, `2018-09-10`. */
  day: string;
}

const RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))? ?(?:([+-])(\d{2}):?(\d{2})|Z)?$/;

function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** The day and offset of the last time read: records come in time order, so most share them. */
let lastDay = { head: '\u0000', zone: '\u0000', midnight: 0, tz: '', day: '' };

/**
 * The form every record uses, `YYYY-MM-DD HH:MM:SS ±HHMM`, read without a regex: a large export
 * holds two or three of these per record, millions in all.
 */
function fastPath(s: string): ExportTime | null {
  if (s.length !== 25 || s.charCodeAt(4) !== 45 || s.charCodeAt(10) !== 32 || s.charCodeAt(19) !== 32) return null;
  const sign = s.charCodeAt(20);
  if (sign !== 43 && sign !== 45) return null;
  const h = digits(s, 11, 2), mi = digits(s, 14, 2), sec = digits(s, 17, 2);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60) return null;
  const time = ((h * 60 + mi) * 60 + sec) * 1000;
  const c = lastDay;
  if (s.startsWith(c.head) && s.endsWith(c.zone)) return { ms: c.midnight + time, tz: c.tz, day: c.day };
  const y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
  const oh = digits(s, 21, 2), om = digits(s, 23, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || oh < 0 || om < 0) return null;
  const offsetMin = (sign === 45 ? -1 : 1) * (oh * 60 + om);
  const midnight = Date.UTC(y, mo - 1, d) - offsetMin * 60_000;
  if (Number.isNaN(midnight)) return null;
  lastDay = { head: s.slice(0, 11), zone: s.slice(19), midnight, tz: `${s[20]}${s.slice(21, 23)}:${s.slice(23, 25)}`, day: s.slice(0, 10) };
  return { ms: midnight + time, tz: lastDay.tz, day: lastDay.day };
}

/** Parses an export date; null when it is not one (the record is then skipped with a warning). */
export function parseExportTime(s: string | undefined): ExportTime | null {
  if (!s) return null;
  const fast = fastPath(s);
  if (fast) return fast;
  const m = RE.exec(s.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, sec, frac, sign, oh, om] = m;
  if (+mo < 1 || +mo > 12 || +d < 1 || +d > 31 || +h > 23 || +mi > 59 || +sec > 60) return null;
  const offsetMin = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) : 0;
  const fracMs = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  const ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +sec, fracMs) - offsetMin * 60_000;
  if (Number.isNaN(ms)) return null;
  return { ms, tz: sign ? `${sign}${oh}:${om}` : '+00:00', day: `${y}-${mo}-${d}` };
}

/** Numbers as exports write them, including a locale's decimal comma (`0,97`). */
export function parseExportNumber(s: string | undefined): number | null {
  if (s === undefined || s === '') return null;
  let n = Number(s);
  if (Number.isNaN(n) && /^-?\d+,\d+$/.test(s)) n = Number(s.replace(',', '.'));
  return Number.isFinite(n) ? n : null;
}
