/** A HealthKit export time: `2018-09-10 02:47:35 -0700`, kept with its offset. */
export interface ExportTime {
  ms: number;
  /** `-07:00` */
  tz: string;
  /** The local calendar day, `2018-09-10`. */
  day: string;
}

const RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))? ?(?:([+-])(\d{2}):?(\d{2})|Z)?$/;

/** Parses an export date; null when it is not one (the record is then skipped with a warning). */
export function parseExportTime(s: string | undefined): ExportTime | null {
  if (!s) return null;
  const m = RE.exec(s.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, sec, frac, sign, oh, om] = m;
  const offsetMin = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) : 0;
  const fracMs = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  const ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +sec, fracMs) - offsetMin * 60_000;
  if (Number.isNaN(ms)) return null;
  return { ms, tz: sign ? `${sign}${oh}:${om}` : '+00:00', day: `${y}-${mo}-${d}` };
}

/** Numbers as exports write them, including a locale's decimal comma (`0,97`). */
export function parseExportNumber(s: string | undefined): number | null {
  if (s === undefined || s === '') return null;
  const n = Number(/^-?\d+,\d+$/.test(s) ? s.replace(',', '.') : s);
  return Number.isFinite(n) ? n : null;
}
