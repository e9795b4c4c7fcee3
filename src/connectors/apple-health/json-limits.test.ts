import { describe, expect, it } from 'vitest';
import { JsonLimitScanner } from './json-limits.ts';

const scan = (text: string | Buffer[], depth = 5, str = 10) => {
  const s = new JsonLimitScanner('clinical-records/x.json', depth, str);
  for (const c of typeof text === 'string' ? [Buffer.from(text)] : text) s.write(c);
};

describe('JsonLimitScanner', () => {
  it('accepts JSON within the limits, brackets and escaped quotes inside strings included', () => {
    expect(() => scan('{"a":[1,{"b":"[[[[[[\\"x"}]}')).not.toThrow();
    expect(() => scan('[[[[[1]]]]]')).not.toThrow();
    expect(() => scan('{"s":"0123456789"}')).not.toThrow();
  });

  it('refuses nesting deeper than the limit, naming the entry and MAX_JSON_DEPTH', () => {
    expect(() => scan('[[[[[[1]]]]]]')).toThrow(/"clinical-records\/x\.json" nests objects or arrays deeper than 5 levels \(limit MAX_JSON_DEPTH\)/);
  });

  it('refuses a string longer than the limit, even when it arrives in several chunks', () => {
    expect(() => scan(['{"s":"01234', '567890"}'].map((x) => Buffer.from(x)))).toThrow(/holds a string longer than 10 bytes \(limit MAX_JSON_STRING_BYTES\)/);
    // The message carries no content of the record.
    try {
      scan('{"s":"SECRETSECRETSECRET"}');
    } catch (e) {
      expect((e as Error).message).not.toContain('SECRET');
    }
  });
});
