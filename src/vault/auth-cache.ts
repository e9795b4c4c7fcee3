import type { Principal } from './accounts.ts';
import { setBounded } from '../lib/bounded-map.ts';

interface Entry {
  principal: Principal;
  /** Epoch ms after which the entry is not used (the TTL, or the secret's own expiry if sooner). */
  until: number;
}

/**
 * Bearer secrets this process verified a moment ago, by hash, so that a chat does not pay a
 * database round trip to learn who is asking. Everything that ends a secret in this process
 * (logout, token revocation, account deletion) forgets it at once; the TTL bounds how long a
 * change made elsewhere (another gateway on the same PostgreSQL) can go unseen, and an entry
 * never outlives the secret's own expiry.
 */
export class AuthCache {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by every forget: a lookup that began before one may have read what it removed. */
  private forgets = 0;

  constructor(
    private readonly ttlMs = 5_000,
    private readonly maxEntries = 10_000,
  ) {}

  get(hashHex: string, now = Date.now()): Principal | undefined {
    const e = this.entries.get(hashHex);
    if (!e) return undefined;
    if (now >= e.until) {
      this.entries.delete(hashHex);
      return undefined;
    }
    return e.principal;
  }

  /** Taken before a database lookup and handed to set(), so a result older than a forget is not kept. */
  get epoch(): number {
    return this.forgets;
  }

  set(hashHex: string, principal: Principal, expiresAt: Date | null, now = Date.now(), epoch = this.forgets): void {
    if (this.ttlMs <= 0 || epoch !== this.forgets) return;
    const until = Math.min(now + this.ttlMs, expiresAt ? expiresAt.getTime() : Number.POSITIVE_INFINITY);
    if (until <= now) return;
    setBounded(this.entries, hashHex, { principal, until }, this.maxEntries);
  }

  forgetSecret(hashHex: string): void {
    this.forgets++;
    this.entries.delete(hashHex);
  }

  /** A session or API token by its row id (revocation). */
  forgetToken(tokenId: string): void {
    this.forgets++;
    for (const [k, e] of this.entries) if (e.principal.tokenId === tokenId) this.entries.delete(k);
  }

  /** Every secret of a user (account deletion). */
  forgetUser(userId: string): void {
    this.forgets++;
    for (const [k, e] of this.entries) if (e.principal.userId === userId) this.entries.delete(k);
  }

  get size(): number {
    return this.entries.size;
  }
}
