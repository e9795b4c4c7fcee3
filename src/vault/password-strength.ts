import { ZxcvbnFactory, type ZxcvbnResult } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import { ValidationError } from '../errors.ts';

/**
 * Password strength by zxcvbn (dictionaries of common passwords, words, names, keyboard
 * patterns, repeats and dates), not by length: "aaaaaaaaaa" is ten characters and guessed at
 * once. Score 3 of 4 ("safely unguessable: moderate protection from offline slow-hash
 * attacks", ~10^8 guesses and more) is the bar; argon2id makes each guess costly on top.
 */
export const MIN_SCORE = 3;
/**
 * zxcvbn runs on the event loop and its cost grows fast with length and with l33t-looking
 * characters: a crafted 100-character password took ~0.9 s here (every request of every user
 * waits meanwhile). 64 characters and at most 5 l33t substitutions keep the worst case near
 * 0.1 s and still catch "p@ssw0rd123"; 64 characters that are not guessable are strong.
 */
const CHECKED_LENGTH = 64;
const L33T_MAX_SUBSTITUTIONS = 5;

let factory: ZxcvbnFactory | undefined;
// Built on first use (~0.5 s, the dictionaries): a gateway that never signs anyone up pays nothing.
const zxcvbn = () =>
  (factory ??= new ZxcvbnFactory({
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...en.dictionary },
    translations: en.translations,
    l33tMaxSubstitutions: L33T_MAX_SUBSTITUTIONS,
    maxLength: CHECKED_LENGTH,
  }));

export interface StrengthVerdict {
  ok: boolean;
  score: number;
  /** What would help, in zxcvbn's fixed sentences (never the password itself). */
  advice: string;
}

/** Judges `password`; `context` (the email and its parts) counts as guessable for this account. */
export function judgePassword(password: string, context: string[] = []): StrengthVerdict {
  const inputs = context.flatMap((c) => [c, ...c.split(/[@.+_-]+/)]).filter((w) => w.length >= 3);
  const r: ZxcvbnResult = zxcvbn().check(password.slice(0, CHECKED_LENGTH), inputs);
  const advice = [r.feedback.warning, ...r.feedback.suggestions].filter((s): s is string => !!s);
  if (!advice.length) advice.push('Add another word or two that are not common together.');
  return { ok: r.score >= MIN_SCORE, score: r.score, advice: advice.join(' ') };
}

/** Throws a 400 naming `field` when the password is too easy to guess, with what would help. */
export function assertStrongPassword(password: string, context: string[], field = 'password'): void {
  const v = judgePassword(password, context);
  if (v.ok) return;
  const message = `is too easy to guess. ${v.advice} A few unrelated words make a strong password that is easy to remember.`;
  throw new ValidationError(`The "${field}" ${message}`, [{ path: field, message }]);
}
