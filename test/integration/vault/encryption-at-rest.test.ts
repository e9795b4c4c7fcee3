import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { rotateKeys } from '../../../src/vault/rotate.ts';
import { createTestRuntime } from '../../helpers/runtime.ts';

function* filesUnder(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* filesUnder(p);
    else yield p;
  }
}

/** Every file of the data dir that holds one of the needles (raw bytes, several encodings). */
function scan(dir: string, needles: string[]): string[] {
  const hits: string[] = [];
  const patterns = needles.flatMap((n) => [Buffer.from(n, 'utf8'), Buffer.from(n.toLowerCase(), 'utf8'), Buffer.from(n, 'utf16le')]);
  for (const f of filesUnder(dir)) {
    const data = readFileSync(f);
    if (patterns.some((p) => data.includes(p))) hits.push(f);
  }
  return hits;
}

const embedded = !process.env.TEST_DATABASE_URL;

describe.runIf(embedded)('encryption at rest (embedded database files)', () => {
  it('no planted phrase, word or stem is readable in the raw database files after shutdown', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cv-rest-'));
    const masterKey = randomBytes(32).toString('base64');
    try {
      const rt = await createTestRuntime({ VAULT_DATA_DIR: dataDir, VAULT_MASTER_KEY: masterKey });
      const u = await rt.signup();
      const phrase = 'Zanzibarian quokkaflu diagnosis';
      const r = await rt.api('POST', '/api/vault/items', {
        token: u.token,
        body: { kind: 'note', title: 'Quokkaflu follow-up', text: `Patient has ${phrase} confirmed`, content: { note: phrase }, tags: ['visiblecontroltag'] },
      });
      expect(r.status).toBe(201);
      const found = await rt.api('GET', '/api/vault/items?q=quokkaflu', { token: u.token });
      expect(found.body.items).toHaveLength(1);
      await rt.runtimeCloseOnly();
      // Positive control: the scan does see this item's row, through a tag (tags are plain metadata).
      expect(scan(join(dataDir, 'pglite'), ['visiblecontroltag']).length).toBeGreaterThan(0);
      expect(scan(join(dataDir, 'pglite'), [phrase, 'Zanzibarian', 'quokkaflu', 'Quokkaflu follow', 'zanzibarian', 'quokkaflu:'])).toEqual([]);

      // Restart on the same files: the content is still there and readable with the key.
      const again = await createTestRuntime({ VAULT_DATA_DIR: dataDir, VAULT_MASTER_KEY: masterKey });
      const login = await again.api('POST', '/api/auth/login', { body: { email: u.email, password: 'a long enough password' } });
      const got = await again.api('GET', `/api/vault/items/${r.body.id}`, { token: login.body.token });
      expect(got.body.text).toContain(phrase);
      await again.runtimeCloseOnly();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('keys rotate (development key file): data keys are re-wrapped and every item stays readable', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cv-rot-'));
    try {
      const env = { VAULT_DATA_DIR: dataDir, VAULT_MASTER_KEY: '' };
      const rt = await createTestRuntime(env);
      const u = await rt.signup();
      const item = await rt.api('POST', '/api/vault/items', { token: u.token, body: { kind: 'note', title: 'before rotation', text: 'still here' } });
      const oldKeyId = (await rt.deps.db.selectFrom('user_keys').select('master_key_id').executeTakeFirstOrThrow()).master_key_id;
      const keyFile = readFileSync(join(dataDir, 'master.key'), 'utf8');
      expect(statSync(join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);
      await rt.runtimeCloseOnly();

      const result = await rotateKeys(loadConfig({ NODE_ENV: 'test', VAULT_DATA_DIR: dataDir }));
      expect(result.rewrapped).toBe(1);
      expect(readFileSync(join(dataDir, 'master.key'), 'utf8')).not.toBe(keyFile);

      const after = await createTestRuntime(env);
      const newKeyId = (await after.deps.db.selectFrom('user_keys').select('master_key_id').executeTakeFirstOrThrow()).master_key_id;
      expect(newKeyId).not.toBe(oldKeyId);
      const login = await after.api('POST', '/api/auth/login', { body: { email: u.email, password: 'a long enough password' } });
      expect((await after.api('GET', `/api/vault/items/${item.body.id}`, { token: login.body.token })).body.text).toBe('still here');
      await after.runtimeCloseOnly();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('keys rotate with VAULT_MASTER_KEY', () => {
  it('re-wraps with the new key; the old key is then no longer needed', async () => {
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');
    const dataDir = mkdtempSync(join(tmpdir(), 'cv-rot-env-'));
    try {
      const rt = await createTestRuntime({ VAULT_DATA_DIR: dataDir, VAULT_MASTER_KEY: oldKey });
      const u = await rt.signup();
      const item = await rt.api('POST', '/api/vault/items', { token: u.token, body: { kind: 'note', title: 't', text: 'survives rotation' } });
      await rt.runtimeCloseOnly();
      const dbEnv: Record<string, string> = rt.config.DATABASE_URL ? { DATABASE_URL: rt.config.DATABASE_URL } : {};
      const r = await rotateKeys(loadConfig({ NODE_ENV: 'test', VAULT_DATA_DIR: dataDir, VAULT_MASTER_KEY: newKey, VAULT_PREVIOUS_MASTER_KEYS: oldKey, ...dbEnv }));
      expect(r.rewrapped).toBe(1);
      const after = await createTestRuntime({ VAULT_DATA_DIR: dataDir, VAULT_MASTER_KEY: newKey, ...dbEnv });
      const login = await after.api('POST', '/api/auth/login', { body: { email: u.email, password: 'a long enough password' } });
      expect((await after.api('GET', `/api/vault/items/${item.body.id}`, { token: login.body.token })).body.text).toBe('survives rotation');
      await after.destroy();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
