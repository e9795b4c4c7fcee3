/**
 * Turns time phrases of a question into a date range: "last month", "since March",
 * "in 2023", "in March 2024", "past 3 weeks", "the past week", "3 months ago", "between 2021 and
 * 2023", "on 2024-03-05", "last summer", "since January 5th", "yesterday", "this year"…
 * A bare "last week/month/year" is the previous calendar unit; "the last/past …" a rolling window.
 * Returns the range (from inclusive, to exclusive, UTC) and the question without the phrase.
 */
export interface TimeFilter {
  from?: Date;
  to?: Date;
  /** The phrase that was understood, for logs and tests (not PHI: a time phrase). */
  phrase?: string;
  rest: string;
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const MONTH_RE = '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const NUM_WORDS: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, twelve: 12 };

const utc = (y: number, m: number, d = 1) => new Date(Date.UTC(y, m, d));
const monthIndex = (s: string) => MONTHS.findIndex((m) => m.startsWith(s.slice(0, 3).toLowerCase()));
const startOfDay = (d: Date) => utc(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());

function amount(s: string): number {
  return /^\d+$/.test(s) ? Number(s) : (NUM_WORDS[s.toLowerCase()] ?? 1);
}

type Rule = [RegExp, (m: RegExpMatchArray, now: Date) => { from?: Date; to?: Date } | null];

const NUM = '(\\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve)';
const UNIT = '(day|week|month|year)';
/** A number then a unit ("3 weeks"), or a unit alone ("week": one of it; a plural needs a number). */
const SPAN = `(?:${NUM}\\s+${UNIT}s?|${UNIT})\\b`;
const SEASONS: Record<string, number> = { spring: 2, summer: 5, autumn: 8, fall: 8, winter: 11 }; // first month (meteorological, northern)
const SEASON_RE = '(spring|summer|autumn|fall|winter)';
const ISO = '(\\d{4}-\\d{2}-\\d{2})';
const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const addDays = (d: Date, n: number) => new Date(d.getTime() + n * 86_400_000);

/** The range a point in a "between … and …" names: a year, a month of a year, or a day. */
function span(s: string): { from: Date; to: Date } | null {
  const t = s.trim();
  if (/^\d{4}$/.test(t)) return { from: utc(+t, 0), to: utc(+t + 1, 0) };
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return { from: day(t), to: addDays(day(t), 1) };
  const m = new RegExp(`^${MONTH_RE}\\s+(\\d{4})$`, 'i').exec(t);
  if (m) return { from: utc(+m[2], monthIndex(m[1])), to: utc(+m[2], monthIndex(m[1]) + 1) };
  return null;
}
const POINT = `(\\d{4}-\\d{2}-\\d{2}|(?:${MONTH_RE.slice(1, -1)})\\s+\\d{4}|\\d{4})`;

/** The calendar unit `n` units before the current one ("3 months ago" is that whole month). */
function ago(m: RegExpMatchArray, now: Date) {
  const n = amount(m[1]);
  const unit = m[2].toLowerCase();
  const today = startOfDay(now);
  if (unit === 'day') return { from: addDays(today, -n), to: addDays(today, -n + 1) };
  if (unit === 'week') {
    const monday = addDays(today, -((today.getUTCDay() + 6) % 7));
    return { from: addDays(monday, -7 * n), to: addDays(monday, -7 * n + 7) };
  }
  if (unit === 'month') return { from: utc(now.getUTCFullYear(), now.getUTCMonth() - n), to: utc(now.getUTCFullYear(), now.getUTCMonth() - n + 1) };
  return { from: utc(now.getUTCFullYear() - n, 0), to: utc(now.getUTCFullYear() - n + 1, 0) };
}

function season(name: string, year: number) {
  const first = SEASONS[name.toLowerCase()];
  return { from: utc(year, first), to: utc(year, first + 3) };
}

const rules: Rule[] = [
  // Rolling windows: "in the last year" is the 365 days before today, "the past week" the last 7.
  [new RegExp(`\\b(?:in|during|for|over|within)\\s+the\\s+(?:last|past|previous)\\s+${SPAN}`, 'i'), rangeBack],
  [new RegExp(`\\b(?:the\\s+)?past\\s+${SPAN}`, 'i'), rangeBack],
  [new RegExp(`\\bthe\\s+(?:last|previous)\\s+${SPAN}`, 'i'), rangeBack],
  [new RegExp(`\\b(?:last|previous)\\s+${NUM}\\s+${UNIT}s?\\b`, 'i'), rangeBack],
  [new RegExp(`\\b${NUM}\\s+${UNIT}s?\\s+ago\\b`, 'i'), ago],
  [new RegExp(`\\bbetween\\s+${POINT}\\s+and\\s+${POINT}\\b`, 'i'), (m) => {
    const a = span(m[1]);
    const b = span(m[2]);
    return a && b && a.from < b.to ? { from: a.from, to: b.to } : null;
  }],
  [new RegExp(`\\b(?:since|after)\\s+${ISO}\\b`, 'i'), (m) => ({ from: day(m[1]) })],
  [new RegExp(`\\b(?:before|until)\\s+${ISO}\\b`, 'i'), (m) => ({ to: day(m[1]) })],
  [new RegExp(`\\b(?:on\\s+)?${ISO}\\b`, 'i'), (m) => ({ from: day(m[1]), to: addDays(day(m[1]), 1) })],
  [new RegExp(`\\b(?:in|during|for)\\s+${MONTH_RE}\\s+(\\d{4})\\b`, 'i'), (m) => {
    const mi = monthIndex(m[1]);
    return { from: utc(Number(m[2]), mi), to: utc(Number(m[2]), mi + 1) };
  }],
  // "since January 5th", "since March 3, 2024"
  [new RegExp(`\\b(?:since|after)\\s+${MONTH_RE}\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b(?:,?\\s+(\\d{4})\\b)?`, 'i'), (m, now) => {
    const mi = monthIndex(m[1]);
    let y = m[3] ? Number(m[3]) : now.getUTCFullYear();
    if (!m[3] && utc(y, mi, Number(m[2])) > now) y -= 1;
    return { from: utc(y, mi, Number(m[2])) };
  }],
  [new RegExp(`\\bsince\\s+${MONTH_RE}(?:\\s+(\\d{4}))?\\b`, 'i'), (m, now) => {
    const mi = monthIndex(m[1]);
    let y = m[2] ? Number(m[2]) : now.getUTCFullYear();
    if (!m[2] && utc(y, mi) > now) y -= 1;
    return { from: utc(y, mi) };
  }],
  [new RegExp(`\\b(?:in|during)\\s+${MONTH_RE}\\b`, 'i'), (m, now) => {
    const mi = monthIndex(m[1]);
    let y = now.getUTCFullYear();
    if (utc(y, mi) > now) y -= 1;
    return { from: utc(y, mi), to: utc(y, mi + 1) };
  }],
  // Seasons: "last summer" is the latest one that has ended, "this winter" the current or latest begun.
  [new RegExp(`\\b(last|this)\\s+${SEASON_RE}\\b`, 'i'), (m, now) => {
    for (let y = now.getUTCFullYear(); ; y--) {
      const s = season(m[2], y);
      if (m[1].toLowerCase() === 'last' ? s.to <= now : s.from <= now) return s;
    }
  }],
  [new RegExp(`\\b(?:in\\s+)?(?:the\\s+)?${SEASON_RE}\\s+(?:of\\s+)?(\\d{4})\\b`, 'i'), (m) => season(m[1], Number(m[2]))],
  [/\bsince\s+(\d{4})\b/i, (m) => ({ from: utc(Number(m[1]), 0) })],
  [/\b(?:before)\s+(\d{4})\b/i, (m) => ({ to: utc(Number(m[1]), 0) })],
  // "in 2023", "in 2023 and 2024", "during 2021, 2022 or 2023": from the first year to the end of the last.
  [/\b(?:in|during)\s+(\d{4})((?:\s*(?:,|and|&|or)\s*\d{4}\b)*)/i, (m) => {
    const years = [Number(m[1]), ...(m[2].match(/\d{4}/g) ?? []).map(Number)];
    return { from: utc(Math.min(...years), 0), to: utc(Math.max(...years) + 1, 0) };
  }],
  [/\blast\s+week\b/i, (_m, now) => {
    const today = startOfDay(now);
    const dow = (today.getUTCDay() + 6) % 7; // Monday = 0
    const thisMonday = new Date(today.getTime() - dow * 86_400_000);
    return { from: new Date(thisMonday.getTime() - 7 * 86_400_000), to: thisMonday };
  }],
  [/\blast\s+month\b/i, (_m, now) => ({ from: utc(now.getUTCFullYear(), now.getUTCMonth() - 1), to: utc(now.getUTCFullYear(), now.getUTCMonth()) })],
  [/\blast\s+year\b/i, (_m, now) => ({ from: utc(now.getUTCFullYear() - 1, 0), to: utc(now.getUTCFullYear(), 0) })],
  [/\bthis\s+week\b/i, (_m, now) => {
    const today = startOfDay(now);
    return { from: new Date(today.getTime() - ((today.getUTCDay() + 6) % 7) * 86_400_000) };
  }],
  [/\bthis\s+month\b/i, (_m, now) => ({ from: utc(now.getUTCFullYear(), now.getUTCMonth()) })],
  [/\bthis\s+year\b/i, (_m, now) => ({ from: utc(now.getUTCFullYear(), 0) })],
  [/\byesterday\b/i, (_m, now) => {
    const today = startOfDay(now);
    return { from: new Date(today.getTime() - 86_400_000), to: today };
  }],
  [/\btoday\b/i, (_m, now) => ({ from: startOfDay(now) })],
];

/** "the past 3 weeks" (m[1], m[2]) or "the past week" (m[3]): from that long before now. */
function rangeBack(m: RegExpMatchArray, now: Date) {
  const n = m[3] ? 1 : amount(m[1]);
  const unit = (m[3] ?? m[2]).toLowerCase();
  const d = new Date(now);
  if (unit === 'day') d.setUTCDate(d.getUTCDate() - n);
  else if (unit === 'week') d.setUTCDate(d.getUTCDate() - 7 * n);
  else if (unit === 'month') d.setUTCMonth(d.getUTCMonth() - n);
  else d.setUTCFullYear(d.getUTCFullYear() - n);
  return { from: d };
}

export function parseTimeFilter(question: string, now = new Date()): TimeFilter {
  for (const [re, fn] of rules) {
    const m = question.match(re);
    if (!m) continue;
    const range = fn(m, now);
    if (!range) continue;
    if ((range.from && Number.isNaN(range.from.getTime())) || (range.to && Number.isNaN(range.to.getTime()))) continue;
    return { ...range, phrase: m[0], rest: question.replace(m[0], ' ').replace(/\s+/g, ' ').trim() };
  }
  return { rest: question };
}
