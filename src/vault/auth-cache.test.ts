import { describe, expect, it } from 'vitest';
import { AuthCache } from './auth-cache.ts';

const alice = { userId: 'u-alice', via: 'session' as const, tokenId: 's-1' };
const aliceToken = { userId: 'u-alice', via: 'api_token' as const, tokenId: 't-1' };
const bob = { userId: 'u-bob', via: 'session' as const, tokenId: 's-2' };

describe('AuthCache', () => {
  it('trusts a verified secret for the TTL only', () => {
    const c = new AuthCache(5_000);
    c.set('h1', alice, null, 1_000);
    expect(c.get('h1', 5_999)).toEqual(alice);
    expect(c.get('h1', 6_000)).toBeUndefined();
    expect(c.get('h2', 1_000)).toBeUndefined();
  });

  it('never outlives the secret\'s own expiry, and does not keep an already expired one', () => {
    const c = new AuthCache(5_000);
    c.set('h1', alice, new Date(2_000), 1_000);
    expect(c.get('h1', 1_999)).toEqual(alice);
    expect(c.get('h1', 2_000)).toBeUndefined();
    c.set('h2', bob, new Date(1_000), 1_000);
    expect(c.get('h2', 1_000)).toBeUndefined();
  });

  it('forgets by secret, by token id and by user, leaving the others', () => {
    const c = new AuthCache(5_000);
    c.set('a1', alice, null, 0);
    c.set('a2', aliceToken, null, 0);
    c.set('b1', bob, null, 0);
    c.forgetToken('t-1');
    expect(c.get('a2', 1)).toBeUndefined();
    expect(c.get('a1', 1)).toEqual(alice);
    c.forgetSecret('a1');
    expect(c.get('a1', 1)).toBeUndefined();
    c.set('a1', alice, null, 0);
    c.forgetUser('u-alice');
    expect(c.get('a1', 1)).toBeUndefined();
    expect(c.get('b1', 1)).toEqual(bob);
  });

  it('stays bounded, dropping the oldest entries first', () => {
    const c = new AuthCache(5_000, 3);
    for (let i = 0; i < 5; i++) c.set(`h${i}`, { ...alice, tokenId: `s${i}` }, null, 0);
    expect(c.size).toBe(3);
    expect(c.get('h0', 1)).toBeUndefined();
    expect(c.get('h1', 1)).toBeUndefined();
    expect(c.get('h4', 1)?.tokenId).toBe('s4');
  });

  it('does not keep a lookup that began before a forget (it may have read a revoked secret)', () => {
    const c = new AuthCache(5_000);
    const epoch = c.epoch;
    c.forgetToken('s-1');
    c.set('h1', alice, null, 0, epoch);
    expect(c.get('h1', 1)).toBeUndefined();
    c.set('h1', alice, null, 0, c.epoch);
    expect(c.get('h1', 1)).toEqual(alice);
  });

  it('a TTL of 0 caches nothing', () => {
    const c = new AuthCache(0);
    c.set('h1', alice, null, 0);
    expect(c.get('h1', 0)).toBeUndefined();
  });
});
