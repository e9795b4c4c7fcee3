import type { Config } from '../config.ts';
import { connectDatabase } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { KeyService } from './keys.ts';
import { loadMasterKeyring, rotateDevKeyFile } from './master-key.ts';

/**
 * Master key rotation: every user's data key is re-wrapped with the current master key
 * (content itself is not re-encrypted; it is sealed by the data keys).
 * - VAULT_MASTER_KEY set: the operator has put the new key there and the old one in
 *   VAULT_PREVIOUS_MASTER_KEYS; this re-wraps, after which the old key can be dropped.
 * - Development key file: a new key is generated; the old one stays in master.key.previous.
 */
export async function rotateKeys(config: Config): Promise<{ rewrapped: number; unreadable: number; message: string }> {
  // The database first: on the embedded default that takes the data directory's lock, so a
  // rotation refused because the gateway runs leaves the key file as it was.
  const handle = await connectDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.VAULT_DATA_DIR });
  try {
    if (!config.VAULT_MASTER_KEY) rotateDevKeyFile(config.VAULT_DATA_DIR);
    const { keyring } = loadMasterKeyring(config);
    await migrateToLatest(handle.db);
    const { rewrapped, unreadable } = await new KeyService(handle.db, keyring).rewrapAll();
    if (unreadable) {
      return {
        rewrapped,
        unreadable,
        message: `re-wrapped ${rewrapped} data key(s), but ${unreadable} are wrapped by a master key that is not configured: add it to VAULT_PREVIOUS_MASTER_KEYS and run again. Keep every previous key until this reports none.`,
      };
    }
    const tail = config.VAULT_MASTER_KEY
      ? 'Every data key is now wrapped by VAULT_MASTER_KEY; VAULT_PREVIOUS_MASTER_KEYS can be removed.'
      : 'A new development master key is in the data directory; the previous one is kept in master.key.previous.';
    return { rewrapped, unreadable, message: `re-wrapped ${rewrapped} data key(s) with master key ${keyring.currentId}. ${tail}` };
  } finally {
    await handle.close();
  }
}
