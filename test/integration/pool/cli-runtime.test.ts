import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, expect, it } from 'vitest';
import type { Config } from '../../../src/config.ts';
import type { DockerModelPool } from '../../../src/pool/docker/docker-model-pool.ts';
import { cleanup, describeDocker, ensureTestImage, labelled, makePool, poolConfig } from './docker-env.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Runs `context-vault <args>` in its own process, with the environment a compose `run` would give it. */
function cli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(root, 'src/cli.ts'), ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

describeDocker('command-line runs beside a serving pool', () => {
  let config: Config | undefined;
  let pool: DockerModelPool | undefined;
  let dataDir: string | undefined;

  beforeAll(() => ensureTestImage());
  afterEach(async () => {
    await pool?.close().catch(() => undefined);
    if (config) await cleanup(config.POOL_INSTANCE!, [config.POOL_NETWORK]);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    pool = config = dataDir = undefined;
  });

  it('`user add` with the same POOL_INSTANCE leaves the live pool\'s containers alone and starts none', async () => {
    config = poolConfig({ POOL_MIN_WARM: '2', POOL_MAX_CONTAINERS: '2' });
    pool = makePool(config);
    await pool.start();
    await pool.waitUntilWarm(60_000);
    const before = (await labelled(config.POOL_INSTANCE!)).map((c) => c.Id).sort();
    expect(before).toHaveLength(2);

    dataDir = mkdtempSync(join(tmpdir(), 'cv-cli-'));
    const r = await cli(['user', 'add', 'cli-user@example.test'], {
      CV_PASSWORD: 'a long enough password',
      VAULT_DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      // What `docker compose run gateway …` inherits: the serving gateway's pool settings.
      MODEL_BACKEND: 'docker',
      POOL_IMAGE: config.POOL_IMAGE,
      POOL_INSTANCE: config.POOL_INSTANCE!,
      POOL_NETWORK: config.POOL_NETWORK,
      POOL_MIN_WARM: '2',
      CHAT_MODEL: config.CHAT_MODEL,
      EMBED_MODEL: config.EMBED_MODEL,
    });
    expect(r.out).toMatch(/created user/);
    expect(r.code).toBe(0);

    // The same containers, still running: nothing reaped, nothing new warmed.
    const after = await labelled(config.POOL_INSTANCE!);
    expect(after.map((c) => c.Id).sort()).toEqual(before);
    expect(after.every((c) => c.State === 'running')).toBe(true);
    expect((await pool.health()).warm).toBe(2);
  });
});
