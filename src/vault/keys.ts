import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Db } from '../db/types.ts';
import { findUserKey, insertUserKey, listUserKeysNotWrappedBy, updateUserKey } from '../db/users.ts';
import { type MasterKeyring, UserKeys, newDataKey } from './crypto.ts';
import { NotFoundError } from '../errors.ts';
import { setBounded } from '../lib/bounded-map.ts';

/** Loads, creates and re-wraps per-user data keys. Unwrapped keys are cached briefly in memory. */
export class KeyService {
  private readonly cache = new Map<string, { keys: UserKeys; at: number }>();
  private static readonly TTL_MS = 5 * 60_000;
  private static readonly MAX = 1000;

  constructor(
    private readonly db: Kysely<Database>,
    readonly keyring: MasterKeyring,
  ) {}

  async createForUser(db: Db, userId: string): Promise<UserKeys> {
    const dek = newDataKey();
    const { keyId, wrapped } = this.keyring.wrap(dek, userId);
    await insertUserKey(db, { userId, masterKeyId: keyId, wrapped });
    return new UserKeys(userId, dek);
  }

  async forUser(userId: string, db: Db = this.db): Promise<UserKeys> {
    const hit = this.cache.get(userId);
    if (hit && Date.now() - hit.at < KeyService.TTL_MS) return hit.keys;
    const row = await findUserKey(db, userId);
    if (!row) throw new NotFoundError('user key');
    const keys = new UserKeys(userId, this.keyring.unwrap(row.master_key_id, row.wrapped_key, userId));
    setBounded(this.cache, userId, { keys, at: Date.now() }, KeyService.MAX);
    return keys;
  }

  forget(userId: string): void {
    this.cache.delete(userId);
  }

  /**
   * Re-wraps every data key not yet wrapped by the current master key. Keys wrapped by a
   * master key that is not configured are left as they are and counted in `unreadable`.
   */
  async rewrapAll(): Promise<{ rewrapped: number; unreadable: number }> {
    const rows = await listUserKeysNotWrappedBy(this.db, this.keyring.currentId);
    let rewrapped = 0;
    for (const row of rows) {
      if (!this.keyring.has(row.master_key_id)) continue;
      const dek = this.keyring.unwrap(row.master_key_id, row.wrapped_key, row.user_id);
      const { keyId, wrapped } = this.keyring.wrap(dek, row.user_id);
      await updateUserKey(this.db, { userId: row.user_id, masterKeyId: keyId, wrapped });
      rewrapped++;
    }
    return { rewrapped, unreadable: rows.length - rewrapped };
  }
}
