import type { UserKeys } from './crypto.ts';

/**
 * Blind lexical index (DESIGN.md invariant 4). PostgreSQL stems the words; each lexeme is
 * then replaced by a per-user HMAC before anything is stored or queried, so the index works
 * with ordinary tsvector/tsquery operators while no word is readable in the database.
 */

const LEXEME = /'((?:[^']|'')*)'/g;

/** Blinds tsvector text such as `'blood':1A 'pressur':2A,7` (positions and weights kept). */
export function blindTsvector(keys: UserKeys, tsvectorText: string): string {
  return tsvectorText.replace(LEXEME, (_m, lex: string) => `'${keys.blind(lex.replace(/''/g, "'"))}'`);
}

/** Blinds tsquery text such as `'blood' <-> 'pressur' & !'foo'` (operators kept). */
export function blindTsquery(keys: UserKeys, tsqueryText: string): string {
  return tsqueryText.replace(LEXEME, (_m, lex: string) => `'${keys.blind(lex.replace(/''/g, "'"))}'`);
}

/** Upper bound on indexed text per item: stemming megabytes of text buys little recall. */
export const MAX_INDEXED_CHARS = 100_000;
