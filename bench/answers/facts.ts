/**
 * Facts an answer needs, matched in the prompt text that reached the model: numbers whatever
 * their unit or trailing zeros (7.2 matches "7.20 %" but not "17.2"), dates as YYYY-MM-DD, and
 * words (a display name's main word), case-insensitive.
 */
export type Fact =
  | { kind: 'number'; value: number; what: string }
  | { kind: 'date'; value: string; what: string }
  | { kind: 'text'; value: string; what: string }
  /** "No <kind> records are shared": the notice `none_of_kind`, or a sentence saying so. */
  | { kind: 'absence'; value: string; what: string };

export const num = (value: number, what: string): Fact => ({ kind: 'number', value, what });
export const date = (value: string, what: string): Fact => ({ kind: 'date', value, what });
export const text = (value: string, what = value): Fact => ({ kind: 'text', value, what });

const ISO_DAY = /\b\d{4}-\d{2}-\d{2}(?:T[\d:.]+Z?)?\b/g;

/** Every number written in the text, dates excepted (their parts are not values). */
export function numbersIn(s: string): number[] {
  const out: number[] = [];
  for (const m of s.replace(ISO_DAY, ' ').matchAll(/(?<![\d.])\d+(?:[.,]\d+)?(?![\d])/g)) {
    out.push(Number(m[0].replace(',', '.')));
  }
  return out;
}

/** Words that name a kind in an absence sentence ("No allergy records are shared…"). */
const KIND_WORDS: Record<string, RegExp> = {
  allergy: /allerg/i,
  medication: /medic|prescri|drug/i,
  procedure: /procedur|surger|operation/i,
  document: /document|note/i,
  immunization: /immuni|vaccin/i,
  condition: /condition|problem|diagnos/i,
};

export function absenceStated(prompt: string, kind: string): boolean {
  const words = KIND_WORDS[kind] ?? new RegExp(kind, 'i');
  return prompt
    .split(/(?<=[.!?\n])\s*/)
    // A rule ("if no records of a kind are shared, say so") is not a statement about this person.
    .some((sentence) => /\bno\b|\bnone\b|\bnot any\b/i.test(sentence) && words.test(sentence) && /shared|available|on file/i.test(sentence) && !/\bif\b|\bwhen\b|\bunless\b/i.test(sentence));
}

export function factFound(f: Fact, prompt: string, notice?: string): boolean {
  switch (f.kind) {
    case 'number': {
      const tolerance = Math.max(1e-9, Math.abs(f.value) * 1e-9);
      return numbersIn(prompt).some((n) => Math.abs(n - f.value) <= tolerance);
    }
    case 'date':
      return prompt.includes(f.value);
    case 'text':
      return prompt.toLowerCase().includes(f.value.toLowerCase());
    case 'absence':
      return notice === 'none_of_kind' || absenceStated(prompt, f.value);
  }
}
