import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Config } from '../config.ts';
import { MasterKeyring } from './crypto.ts';

/** Path of the development master key (only used when VAULT_MASTER_KEY is unset). */
export function devKeyPath(dataDir: string): string {
  return join(resolve(dataDir), 'master.key');
}

function writeKeyFile(path: string, key: Buffer): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, key.toString('base64') + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/**
 * The master keyring: VAULT_MASTER_KEY (+ VAULT_PREVIOUS_MASTER_KEYS) when set; otherwise,
 * outside production, a key generated once into the data dir with mode 0600.
 */
export function loadMasterKeyring(config: Config): { keyring: MasterKeyring; generated: boolean; source: 'env' | 'file' } {
  const previous: Buffer[] = config.VAULT_PREVIOUS_MASTER_KEYS.map((k) => Buffer.from(k, 'base64'));
  if (config.VAULT_MASTER_KEY) {
    return { keyring: new MasterKeyring(Buffer.from(config.VAULT_MASTER_KEY, 'base64'), previous), generated: false, source: 'env' };
  }
  if (config.isProduction) throw new Error('VAULT_MASTER_KEY is required when NODE_ENV=production');
  mkdirSync(resolve(config.VAULT_DATA_DIR), { recursive: true, mode: 0o700 });
  const path = devKeyPath(config.VAULT_DATA_DIR);
  const prevPath = `${path}.previous`;
  if (existsSync(prevPath)) previous.push(...readKeyLines(prevPath));
  if (existsSync(path)) {
    return { keyring: new MasterKeyring(readKeyLines(path)[0], previous), generated: false, source: 'file' };
  }
  const key = randomBytes(32);
  writeKeyFile(path, key);
  return { keyring: new MasterKeyring(key, previous), generated: true, source: 'file' };
}

function readKeyLines(path: string): Buffer[] {
  const keys = readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => Buffer.from(l, 'base64'));
  if (!keys.length || keys.some((k) => k.length !== 32)) throw new Error(`${path} does not hold a 32-byte base64 key`);
  return keys;
}

/**
 * Development rotation: a new key becomes current in the key file; the old one is kept in
 * `master.key.previous` so data wrapped by it stays readable until re-wrapping finishes.
 */
export function rotateDevKeyFile(dataDir: string): Buffer {
  const path = devKeyPath(dataDir);
  const old = readKeyLines(path)[0];
  const prevPath = `${path}.previous`;
  const prev = existsSync(prevPath) ? readFileSync(prevPath, 'utf8') : '';
  writeFileSync(prevPath, prev + old.toString('base64') + '\n', { mode: 0o600 });
  const key = randomBytes(32);
  writeKeyFile(path, key);
  return key;
}

