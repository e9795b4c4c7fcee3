/**
 * Turns time phrases of a question into a date range: "last month", "since March",
 * "in 2023", "in March 2024", "past 3 weeks", "yesterday", "this year"…
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

type Rule = [RegExp, (m: RegExpMatchArray, now: Date) => { from?: Date; to?: Date }];

const rules: Rule[] = [
  [/\b(?:in|during|for)\s+(?:the\s+)?(?:last|past|previous)\s+(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve)\s+(day|week|month|year)s?\b/i, rangeBack],
  [/\b(?:the\s+)?(?:last|past|previous)\s+(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve)\s+(day|week|month|year)s?\b/i, rangeBack],
  [/\b(?:since|after)\s+(\d{4}-\d{2}-\d{2})\b/i, (m) => ({ from: new Date(`${m[1]}T00:00:00Z`) })],
  [/\b(?:before|until)\s+(\d{4}-\d{2}-\d{2})\b/i, (m) => ({ to: new Date(`${m[1]}T00:00:00Z`) })],
  [new RegExp(`\\b(?:in|during|for)\\s+${MONTH_RE}\\s+(\\d{4})\\b`, 'i'), (m) => {
    const mi = monthIndex(m[1]);
    return { from: utc(Number(m[2]), mi), to: utc(Number(m[2]), mi + 1) };
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
  [/\bsince\s+(\d{4})\b/i, (m) => ({ from: utc(Number(m[1]), 0) })],
  [/\b(?:before)\s+(\d{4})\b/i, (m) => ({ to: utc(Number(m[1]), 0) })],
  [/\b(?:in|during)\s+(\d{4})\b/i, (m) => ({ from: utc(Number(m[1]), 0), to: utc(Number(m[1]) + 1, 0) })],
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

function rangeBack(m: RegExpMatchArray, now: Date) {
  const n = amount(m[1]);
  const unit = m[2].toLowerCase();
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
    if ((range.from && Number.isNaN(range.from.getTime())) || (range.to && Number.isNaN(range.to.getTime()))) continue;
    return { ...range, phrase: m[0], rest: question.replace(m[0], ' ').replace(/\s+/g, ' ').trim() };
  }
  return { rest: question };
}
