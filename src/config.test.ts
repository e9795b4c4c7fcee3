import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('gives the contract defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ PORT: 8080, HOST: '127.0.0.1', VAULT_DATA_DIR: './data', POOL_MIN_WARM: 2, POOL_MAX_CONTAINERS: 4, POOL_MAX_REQUESTS: 10, POOL_MAX_AGE_S: 600, POOL_MEMORY_MB: 4096 });
    expect(c.PUBLIC_URL).toBe('http://127.0.0.1:8080');
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('refuses production without VAULT_MASTER_KEY, saying how to make one', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/VAULT_MASTER_KEY: required when NODE_ENV=production/);
  });

  it('names every bad variable at once', () => {
    try {
      loadConfig({ PORT: 'eighty', VAULT_MASTER_KEY: 'c2hvcnQ=', POOL_MAX_REQUESTS: '0', SMART_PROVIDERS: '{not json' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const msg = (e as Error).message;
      for (const v of ['PORT', 'VAULT_MASTER_KEY', 'POOL_MAX_REQUESTS', 'SMART_PROVIDERS']) expect(msg).toContain(v);
    }
  });

  it('parses SMART_PROVIDERS and rejects unknown provider fields', () => {
    const ok = loadConfig({ SMART_PROVIDERS: JSON.stringify([{ id: 'demo', name: 'Demo', iss: 'https://fhir.example/r4', clientId: 'abc' }]) });
    expect(ok.SMART_PROVIDERS[0].id).toBe('demo');
    expect(() => loadConfig({ SMART_PROVIDERS: JSON.stringify([{ id: 'demo', name: 'D', iss: 'https://x', clientId: 'a', extra: 1 }]) })).toThrow(/SMART_PROVIDERS/);
  });

  it('requires OLLAMA_URL for the external backend', () => {
    expect(() => loadConfig({ MODEL_BACKEND: 'external' })).toThrow(/OLLAMA_URL/);
  });
});
