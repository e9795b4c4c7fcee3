import type { Db } from '../db/types.ts';
import * as repo from '../db/retrieval.ts';
import { setBounded } from '../lib/bounded-map.ts';

export interface QuestionTerms {
  /** Stemmed lexemes of the question (plain; blinded by the caller). */
  lexemes: string[];
  /** tsquery phrases of the codes its clinical words stand for. */
  codePhrases: string[];
}

/**
 * Text whose words PostgreSQL's default parser reads as plain ASCII words and nothing else
 * (letters separated by blanks and sentence punctuation; a period only before a blank or the
 * end, since "e.g" or "u.s" is one token): its lexemes are the union of each word's own. Null for
 * anything else (digits, hyphens, slashes, accents, markup), which the database parses whole.
 */
export function plainWords(text: string): string[] | null {
  // ASCII blanks only: how the parser treats a no-break or other Unicode space depends on the locale.
  if (!/^(?:[A-Za-z \t\n\r\f\v'"?!,;:()]|\.(?=[ \t\n\r\f\v]|$))*$/.test(text)) return null;
  const words = text.match(/[A-Za-z]+/g) ?? [];
  if (words.some((w) => w.length > 64)) return null;
  return words.map((w) => w.toLowerCase());
}

/**
 * Stems questions the way the database stems records (english configuration), remembering what
 * each plain word and each code became, so a question made of words seen before needs no round
 * trip. The database stays the one stemmer: the remembered lexemes are its own answers, and any
 * text that is not plain words goes to it whole.
 */
export class QuestionStemmer {
  private readonly words = new Map<string, string[]>();
  private readonly phrases = new Map<string, string>();

  constructor(
    private readonly db: Db,
    private readonly maxEntries = 50_000,
  ) {}

  async terms(text: string, codes: string[]): Promise<QuestionTerms> {
    const words = plainWords(text);
    // This question's answers are taken before anything is remembered: remembering may evict
    // the oldest entries, which can be words of this very question.
    const wordLexemes = new Map((words ?? []).map((w) => [w, this.words.get(w)]));
    const codePhrases = new Map(codes.map((c) => [c, this.phrases.get(c)]));
    const missingWords = [...wordLexemes].filter(([, l]) => !l).map(([w]) => w);
    const missingCodes = [...codePhrases].filter(([, p]) => p === undefined).map(([c]) => c);
    let lexemes: string[] | null = null;
    if (!words || missingWords.length || missingCodes.length) {
      const r = await repo.stems(this.db, { text: words ? null : text, words: missingWords, codes: missingCodes });
      missingWords.forEach((w, i) => wordLexemes.set(w, r.words[i] ?? []));
      missingCodes.forEach((c, i) => codePhrases.set(c, r.phrases[i] ?? ''));
      for (const w of missingWords) setBounded(this.words, w, wordLexemes.get(w)!, this.maxEntries);
      for (const c of missingCodes) setBounded(this.phrases, c, codePhrases.get(c)!, this.maxEntries);
      lexemes = r.lexemes;
    }
    if (words) lexemes = [...new Set(words.flatMap((w) => wordLexemes.get(w) ?? []))].sort();
    return { lexemes: lexemes ?? [], codePhrases: codes.map((c) => codePhrases.get(c) ?? '').filter(Boolean) };
  }
}
