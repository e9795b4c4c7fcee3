import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { assertStrongPassword, judgePassword } from './password-strength.ts';

describe('password strength', () => {
  it.each(['aaaaaaaaaa', 'password123', 'Password1!', 'qwertyuiop', '1234567890', 'abcdefghijk', 'iloveyou2024', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'])('refuses %s although it is long enough', (p) => {
    expect(p.length).toBeGreaterThanOrEqual(10);
    expect(judgePassword(p).ok).toBe(false);
  });

  it.each(['correct horse battery', 'a long enough password', 'violet kettle marches north', 'Tr0ub4dor&3xyz'])('accepts %s', (p) => {
    expect(judgePassword(p).ok).toBe(true);
  });

  it('judges only the first 64 characters: a guessable start is still refused', () => {
    expect(judgePassword('aaaaaaaaaa'.repeat(10) + ' violet kettle marches north').ok).toBe(false);
  });

  it('counts the account’s own email as guessable', () => {
    const ctx = ['jennifer.okafor@example.test'];
    expect(judgePassword('okaforexample', ctx).score).toBeLessThan(judgePassword('okaforexample').score);
  });

  it('says what would help, names the field and never echoes the password', () => {
    let err: AppError | undefined;
    try {
      assertStrongPassword('aaaaaaaaaa', []);
    } catch (e) {
      err = e as AppError;
    }
    expect(err?.code).toBe('validation_failed');
    expect(err?.message).toContain('"password"');
    expect(err?.message).toMatch(/repeat/i);
    expect(err?.message).not.toContain('aaaaaaaaaa');
    expect(err?.details).toEqual([{ path: 'password', message: expect.stringContaining('too easy to guess') }]);
  });
});
