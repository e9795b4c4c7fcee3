import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Envelope encryption. A master key (from configuration) wraps one random data key per user;
 * the data key encrypts that user's content with AES-256-GCM and a fresh 96-bit nonce per
 * write. Ciphertext layout: version(1) | nonce(12) | tag(16) | ciphertext.
 */

const VERSION = 1;
const NONCE = 12;
const TAG = 16;

export class DecryptionError extends Error {
  readonly code = 'decryption_failed';
  constructor(message = 'stored data could not be decrypted with the configured keys') {
    super(message);
  }
}

/** A short, non-secret id of a master key, stored beside every key it wraps. */
export function masterKeyId(key: Buffer): string {
  return createHash('sha256').update('context-vault master key id').update(key).digest('hex').slice(0, 16);
}

export function seal(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), nonce, cipher.getAuthTag(), ct]);
}

export function open(key: Buffer, sealed: Buffer, aad: string): Buffer {
  if (sealed.length < 1 + NONCE + TAG || sealed[0] !== VERSION) throw new DecryptionError('unknown ciphertext format');
  const nonce = sealed.subarray(1, 1 + NONCE);
  const tag = sealed.subarray(1 + NONCE, 1 + NONCE + TAG);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(sealed.subarray(1 + NONCE + TAG)), decipher.final()]);
  } catch {
    throw new DecryptionError();
  }
}

/** The master key in force plus earlier ones still accepted for unwrapping during rotation. */
export class MasterKeyring {
  readonly currentId: string;
  private readonly keys = new Map<string, Buffer>();

  constructor(
    private readonly current: Buffer,
    previous: Buffer[] = [],
  ) {
    if (current.length !== 32) throw new Error('master key must be 32 bytes');
    this.currentId = masterKeyId(current);
    this.keys.set(this.currentId, current);
    for (const k of previous) this.keys.set(masterKeyId(k), k);
  }

  /** A server secret derived from the current master key (stable across restarts, never stored). */
  deriveSecret(info: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.current, Buffer.from('context-vault'), info, 32));
  }

  has(id: string): boolean {
    return this.keys.has(id);
  }

  wrap(dataKey: Buffer, userId: string): { keyId: string; wrapped: Buffer } {
    return { keyId: this.currentId, wrapped: seal(this.current, dataKey, `dek:${userId}`) };
  }

  unwrap(keyId: string, wrapped: Buffer, userId: string): Buffer {
    const key = this.keys.get(keyId);
    if (!key) throw new DecryptionError(`master key ${keyId} is not configured (set it in VAULT_PREVIOUS_MASTER_KEYS)`);
    return open(key, wrapped, `dek:${userId}`);
  }
}

/**
 * The keys of one user, derived from their data key: content encryption and the blind-index
 * HMAC key are separate so that one can never stand in for the other.
 */
export class UserKeys {
  private readonly enc: Buffer;
  private readonly index: Buffer;

  constructor(
    readonly userId: string,
    dataKey: Buffer,
  ) {
    this.enc = Buffer.from(hkdfSync('sha256', dataKey, Buffer.from(userId), 'context-vault/content/v1', 32));
    this.index = Buffer.from(hkdfSync('sha256', dataKey, Buffer.from(userId), 'context-vault/blind-index/v1', 32));
  }

  encrypt(field: string, value: string | Buffer): Buffer {
    const buf = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    return seal(this.enc, buf, `${this.userId}:${field}`);
  }

  decrypt(field: string, sealed: Buffer): Buffer {
    return open(this.enc, sealed, `${this.userId}:${field}`);
  }

  encryptText(field: string, value: string | null | undefined): Buffer | null {
    return value == null ? null : this.encrypt(field, value);
  }

  decryptText(field: string, sealed: Buffer | null): string | null {
    return sealed == null ? null : this.decrypt(field, sealed).toString('utf8');
  }

  encryptJson(field: string, value: unknown): Buffer | null {
    return value === undefined || value === null ? null : this.encrypt(field, JSON.stringify(value));
  }

  decryptJson<T = unknown>(field: string, sealed: Buffer | null): T | null {
    return sealed == null ? null : (JSON.parse(this.decrypt(field, sealed).toString('utf8')) as T);
  }

  /** Keyed fingerprint of content, to tell an identical re-import without storing plaintext hashes. */
  fingerprint(data: string): string {
    return createHmac('sha256', this.index).update('fp\0').update(data, 'utf8').digest('base64url');
  }

  /** Keyed hash of one lexeme: 16 hex chars are enough to keep collisions rare per user. */
  blind(lexeme: string): string {
    return createHmac('sha256', this.index).update(lexeme, 'utf8').digest('hex').slice(0, 16);
  }
}

export function newDataKey(): Buffer {
  return randomBytes(32);
}
