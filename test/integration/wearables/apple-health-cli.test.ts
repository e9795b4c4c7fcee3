import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { FIXTURES, expectedFromXml, fixture } from './helpers.ts';

const root = new URL('../../../', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'cv-cli-'));
const env = { ...process.env, VAULT_DATA_DIR: dataDir, VAULT_MASTER_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'silent', CV_PASSWORD: 'a long enough password' };
const cli = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin/context-vault.js'), ...args], { env, encoding: 'utf8', timeout: 120_000 });

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

// Each call starts a process with an on-disk embedded database (a few seconds each).
describe('context-vault import apple-health', { timeout: 180_000 }, () => {
  it('imports a zip for a user with a progress display, and a second run adds nothing', () => {
    expect(cli('user', 'add', 'cli@example.test').status).toBe(0);
    const first = cli('import', 'apple-health', join(FIXTURES, '2024-finder-rezip.zip'), '--user', 'cli@example.test');
    expect(first.stderr).toMatch(/committing \d+\/\d+ samples +\d+ samples\/s/);
    expect(first.status).toBe(0);
    const samples = expectedFromXml(fixture('2024-excerpt.xml')).samples;
    expect(first.stdout).toContain(`${samples} new samples`);
    const again = cli('import', 'apple-health', join(FIXTURES, '2024-finder-rezip.zip'), '--user=cli@example.test');
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('0 new samples');
    expect(again.stdout).toContain('0 daily items added, 0 updated');
  });

  it('imports a bare XML export', () => {
    const r = cli('import', 'apple-health', join(FIXTURES, 'v3-full-11k-records.xml'), '--user', 'cli@example.test');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('imported 11101 records');
    // The parse line's format (MB/s, records/s, ETA) is checked in progress-display.test.ts.
  });

  it('fails with a clear message and exit code 1 on a broken file, 2 on bad usage', () => {
    const bad = cli('import', 'apple-health', join(FIXTURES, 'healthkit-to-loinc-mapping.json'), '--user', 'cli@example.test');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/import failed: .*nothing was written/s);
    expect(cli('import', 'apple-health', join(FIXTURES, '2024-excerpt.xml')).status).toBe(2);
    expect(cli('import', 'apple-health', join(FIXTURES, '2024-excerpt.xml'), '--user', 'nobody@example.test').status).toBe(2);
  });
});
