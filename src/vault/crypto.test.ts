import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DecryptionError, MasterKeyring, UserKeys, open, seal } from './crypto.ts';
import { blindTsquery, blindTsvector } from './blind-index.ts';

describe('envelope encryption', () => {
  it('seals with a fresh nonce each time and opens only with the same key and context', () => {
    const key = randomBytes(32);
    const a = seal(key, Buffer.from('hello'), 'u1:text');
    const b = seal(key, Buffer.from('hello'), 'u1:text');
    expect(a.equals(b)).toBe(false);
    expect(open(key, a, 'u1:text').toString()).toBe('hello');
    expect(() => open(key, a, 'u2:text')).toThrow(DecryptionError);
    expect(() => open(randomBytes(32), a, 'u1:text')).toThrow(DecryptionError);
    const tampered = Buffer.from(a);
    tampered[tampered.length - 1] ^= 1;
    expect(() => open(key, tampered, 'u1:text')).toThrow(DecryptionError);
  });

  it('wraps data keys with the current master key and unwraps with a previous one', () => {
    const oldKey = randomBytes(32);
    const dek = randomBytes(32);
    const wrapped = new MasterKeyring(oldKey).wrap(dek, 'user-1');
    const ring = new MasterKeyring(randomBytes(32), [oldKey]);
    expect(ring.unwrap(wrapped.keyId, wrapped.wrapped, 'user-1').equals(dek)).toBe(true);
    expect(() => new MasterKeyring(randomBytes(32)).unwrap(wrapped.keyId, wrapped.wrapped, 'user-1')).toThrow(/not configured/);
  });

  it('blinds lexemes per user, keeping positions, weights and operators', () => {
    const a = new UserKeys('a', randomBytes(32));
    const b = new UserKeys('b', randomBytes(32));
    const v = blindTsvector(a, "'blood':1A 'pressur':2A,5 'o''neil':7");
    expect(v).toMatch(/^'[0-9a-f]{16}':1A '[0-9a-f]{16}':2A,5 '[0-9a-f]{16}':7$/);
    expect(v).not.toMatch(/blood|pressur|neil/);
    expect(blindTsquery(a, "'blood' <-> 'pressur' & !'foo'")).toBe(`'${a.blind('blood')}' <-> '${a.blind('pressur')}' & !'${a.blind('foo')}'`);
    expect(a.blind("o'neil")).toBe(v.split(' ')[2].slice(1, 17));
    expect(a.blind('blood')).not.toBe(b.blind('blood'));
  });
});
