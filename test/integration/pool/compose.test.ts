import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const text = readFileSync(join(root, 'compose.yaml'), 'utf8');
const compose = parse(text) as any;
const gwEnv = compose.services.gateway.environment as Record<string, string | number>;

/** What compose would substitute: ${X:-default} → default, ${X:?msg} → a stand-in value. */
function substitute(v: string | number): string {
  const stand: Record<string, string> = { VAULT_MASTER_KEY: randomBytes(32).toString('base64'), POSTGRES_PASSWORD: 'pw' };
  return String(v).replace(/\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}/g, (_, name, def) => def ?? stand[name] ?? '');
}

// `docker compose config` is the real check; this machine has no compose plugin (only the
// engine), so the file is validated by parsing it and checking what the pool relies on.
const hasComposePlugin = spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0;
// Debian's docker-compose (v1) is the fallback CI installs; it validates the same file.
const hasComposeV1 = !hasComposePlugin && spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
const composeCmd: [string, string[]] = hasComposePlugin ? ['docker', ['compose']] : ['docker-compose', []];

describe('compose.yaml', () => {
  it.runIf(hasComposePlugin || hasComposeV1 || process.env.CV_REQUIRE_DOCKER === '1')('passes docker compose config', () => {
    const r = spawnSync(composeCmd[0], [...composeCmd[1], '-f', join(root, 'compose.yaml'), 'config', '-q'], {
      encoding: 'utf8',
      env: { ...process.env, VAULT_MASTER_KEY: randomBytes(32).toString('base64'), POSTGRES_PASSWORD: 'pw' },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('has PostgreSQL with pgvector, the gateway and a socket proxy', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['docker-proxy', 'gateway', 'postgres']);
    expect(compose.services.postgres.image).toMatch(/pgvector/);
  });

  it('gives the real Docker socket only to the proxy, read-only, and the proxy no route out', () => {
    const mounts = (s: any) => (s.volumes ?? []).map(String);
    expect(mounts(compose.services['docker-proxy'])).toEqual(['/var/run/docker.sock:/var/run/docker.sock:ro']);
    for (const name of ['gateway', 'postgres']) expect(mounts(compose.services[name]).join(' ')).not.toMatch(/docker\.sock/);
    const env = compose.services['docker-proxy'].environment;
    for (const off of ['EXEC', 'BUILD', 'SWARM', 'SECRETS', 'PLUGINS', 'SYSTEM', 'AUTH']) expect(env[off], off).toBe(0);
    for (const on of ['CONTAINERS', 'IMAGES', 'NETWORKS', 'EVENTS', 'POST']) expect(env[on], on).toBe(1);
    expect(compose.services['docker-proxy'].networks).toEqual(['dockerapi']);
    expect(compose.networks.dockerapi.internal).toBe(true);
  });

  it('puts model containers on an internal network the gateway reaches by name', () => {
    expect(compose.networks.models).toMatchObject({ internal: true, name: gwEnv.POOL_NETWORK });
    expect(compose.services.gateway.networks).toContain('models');
    expect(gwEnv).toMatchObject({ MODEL_BACKEND: 'docker', DOCKER_HOST: 'tcp://docker-proxy:2375', POOL_CONNECT: 'name' });
    expect(compose.volumes.models.name).toBe(gwEnv.POOL_MODELS_VOLUME);
    expect(compose.networks.edge.name).toBe(gwEnv.POOL_PULL_NETWORK);
    expect(compose.networks.backend.internal).toBe(true);
  });

  it("sets only variables the gateway's config accepts, with valid values", () => {
    // loadConfig ignores names it does not know, so check each name against the schema's source.
    const schemaSource = readFileSync(join(root, 'src/config.ts'), 'utf8');
    for (const name of Object.keys(gwEnv)) expect(schemaSource, name).toMatch(new RegExp(`\\b${name}: `));
    const env = Object.fromEntries(Object.entries(gwEnv).map(([k, v]) => [k, substitute(v)]));
    const config = loadConfig(env);
    expect(config.isProduction).toBe(true);
    expect(config.POOL_NETWORK).toBe('context-vault-models');
    expect(config.DATABASE_URL).toMatch(/^postgres:\/\/context_vault:pw@postgres:5432\//);
  });
});
