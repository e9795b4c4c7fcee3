import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { ModelsPullError, pullModels } from '../../../src/pool/models-pull.ts';
import { describeDocker, docker, ensureTestImage, TEST_IMAGE } from './docker-env.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const volume = `cv-test-models-${randomBytes(3).toString('hex')}`;

/**
 * `models pull` cannot succeed here (no registry). What can be tested: it fails fast with a
 * message naming the fix, never pulls an image itself, and leaves no pull container behind.
 * The test image answers /api/pull with an error, so nothing ever leaves this machine.
 */
describeDocker('context-vault models pull', () => {
  beforeAll(() => ensureTestImage());
  afterAll(async () => {
    await docker.getVolume(volume).remove().catch(() => undefined);
  });

  it('says so at once when no Docker engine answers', async () => {
    const started = Date.now();
    const err = await pullModels(loadConfig({ DOCKER_HOST: 'unix:///tmp/cv-no-engine.sock' })).catch((e) => e);
    expect(err).toBeInstanceOf(ModelsPullError);
    expect(err.message).toMatch(/No Docker engine answers at DOCKER_HOST/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses, without pulling anything, when the model image is not built', async () => {
    const missingVolume = `${volume}-never`;
    const err = await pullModels(loadConfig({ POOL_IMAGE: 'context-vault/not-built-here:0', POOL_MODELS_VOLUME: missingVolume })).catch((e) => e);
    expect(err).toBeInstanceOf(ModelsPullError);
    expect(err.message).toMatch(/not present locally\. Build it first/);
    await expect(docker.getImage('context-vault/not-built-here:0').inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(docker.getVolume(missingVolume).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('reports a failed registry pull clearly and removes its one-off container', async () => {
    const lines: string[] = [];
    const err = await pullModels(loadConfig({ POOL_IMAGE: TEST_IMAGE, POOL_MODELS_VOLUME: volume, CHAT_MODEL: 'llama3.2:3b' }), { onProgress: (l) => lines.push(l) }).catch((e) => e);
    expect(err).toBeInstanceOf(ModelsPullError);
    expect(err.message).toMatch(/pulling llama3\.2:3b failed: .*needs network access/);
    expect(lines).toContain('pulling llama3.2:3b');
    const left = await docker.listContainers({ all: true, filters: { label: ['context-vault.role=models-pull'] } });
    expect(left).toHaveLength(0);
    expect((await docker.getVolume(volume).inspect()).Name).toBe(volume);
  });

  it('is a CLI command with a usage message and a non-zero exit on failure', () => {
    const run = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli.ts'), ...args], { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 });
    const usage = run(['models']);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/usage: context-vault models pull/);
    const failed = run(['models', 'pull'], { POOL_IMAGE: 'context-vault/not-built-here:0' });
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/models pull failed: The model image context-vault\/not-built-here:0 is not present locally/);
  });
});
