import { z } from 'zod';

/**
 * The one place that reads the environment. `loadConfig` validates every variable of the
 * public contract (DESIGN.md) and fails with a message naming each bad one.
 */

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const base64Key = z
  .string()
  .refine((s) => Buffer.from(s, 'base64').length === 32, 'must be base64 of exactly 32 bytes');

const smartProvider = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'id must be lower-case letters, digits, dashes'),
    name: z.string().min(1),
    iss: z.string().url(),
    clientId: z.string().min(1),
    clientSecret: z.string().optional(),
    scopes: z.string().optional(),
    authMethod: z.enum(['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt']).optional(),
  })
  .strict();

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(0, 65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: z.string().url().optional(),
  DATABASE_URL: z.string().url().optional(),
  VAULT_DATA_DIR: z.string().min(1).default('./data'),
  VAULT_MASTER_KEY: base64Key.optional(),
  VAULT_PREVIOUS_MASTER_KEYS: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(',').map((k) => k.trim()).filter(Boolean) : []))
    .pipe(z.array(base64Key)),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SESSION_TTL_S: int(60, 365 * 24 * 3600).default(7 * 24 * 3600),
  MAX_BODY_BYTES: int(1024, 64 * 1024 * 1024).default(2 * 1024 * 1024),
  MAX_IMPORT_BYTES: int(1024, 64 * 1024 * 1024 * 1024).default(8 * 1024 * 1024 * 1024),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: int(1, 10_000).default(10),
  LOGIN_MAX_FAILURES_PER_ADDRESS: int(1, 100_000).default(50),
  LOGIN_WINDOW_S: int(1, 86_400).default(900),
  SIGNUP_MAX_PER_ADDRESS: int(1, 100_000).default(20),
  TRUST_PROXY: bool.default(false),
  MODEL_BACKEND: z.enum(['docker', 'external']).optional(),
  OLLAMA_URL: z.string().url().optional(),
  DOCKER_HOST: z.string().optional(),
  CHAT_MODEL: z.string().min(1).default('llama3.2:3b'),
  EMBED_MODEL: z.string().min(1).default('nomic-embed-text'),
  NUM_CTX: int(512, 262_144).default(8192),
  POOL_IMAGE: z.string().min(1).default('context-vault/model:latest'),
  POOL_MIN_WARM: int(0, 64).default(2),
  POOL_MAX_CONTAINERS: int(1, 256).default(4),
  POOL_MAX_REQUESTS: int(1, 1_000_000).default(10),
  POOL_MAX_AGE_S: int(1, 86_400 * 7).default(600),
  POOL_MEMORY_MB: int(64, 1_048_576).default(4096),
  POOL_CPUS: z.coerce.number().positive().max(256).default(2),
  POOL_PIDS_LIMIT: int(16, 65_536).default(512),
  POOL_NETWORK: z.string().min(1).default('context-vault-models'),
  POOL_QUEUE_MAX: int(0, 10_000).default(32),
  POOL_LEASE_TIMEOUT_MS: int(0, 600_000).default(30_000),
  POOL_INSTANCE: z.string().regex(/^[a-zA-Z0-9_.-]+$/).optional(),
  POOL_STREAM_IDLE_MS: int(100, 3_600_000).default(120_000),
  POOL_START_TIMEOUT_MS: int(1000, 3_600_000).default(120_000),
  POOL_CONNECT: z.enum(['ip', 'name']).default('ip'),
  POOL_MODELS_VOLUME: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/).optional(),
  POOL_PULL_NETWORK: z.string().min(1).default('bridge'),
  SMART_PROVIDERS: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return [];
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON array' });
        return z.NEVER;
      }
    })
    .pipe(z.array(smartProvider)),
  EPIC_CLIENT_ID: z.string().min(1).optional(),
  EPIC_CLIENT_SECRET: z.string().min(1).optional(),
  EPIC_FHIR_BASE: z.string().url().default('https://fhir.epic.com/interconnect-fhir-oauth/api/FHIR/R4'),
  EPIC_CLIENT_AUTH: z.enum(['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt']).optional(),
  EPIC_SCOPES: z.string().min(1).optional(),
  FHIR_BUNDLE_MAX_BYTES: int(1024, 1024 * 1024 * 1024).default(50 * 1024 * 1024),
  OURA_CLIENT_ID: z.string().min(1).optional(),
  OURA_CLIENT_SECRET: z.string().min(1).optional(),
  OURA_API_URL: z.string().url().default('https://api.ouraring.com'),
  OURA_AUTHORIZE_URL: z.string().url().default('https://cloud.ouraring.com/oauth/authorize'),
  WITHINGS_CLIENT_ID: z.string().min(1).optional(),
  WITHINGS_CLIENT_SECRET: z.string().min(1).optional(),
});

type Env = z.infer<typeof schema>;

export type SmartProviderConfig = z.infer<typeof smartProvider>;

export interface Config extends Readonly<Omit<Env, 'PUBLIC_URL'>> {
  readonly PUBLIC_URL: string;
  readonly isProduction: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates `env` (normally process.env) into a frozen Config, or throws ConfigError. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') cleaned[key] = v;
  }
  const parsed = schema.safeParse(cleaned);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${issue.path.join('.') || '(env)'}: ${issue.message}`);
    }
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production' && !e.VAULT_MASTER_KEY) {
    problems.push(
      'VAULT_MASTER_KEY: required when NODE_ENV=production (base64 of 32 random bytes, e.g. `openssl rand -base64 32`); ' +
        'the generated development key is refused in production',
    );
  }
  if (e.MODEL_BACKEND === 'external' && !e.OLLAMA_URL) {
    problems.push('OLLAMA_URL: required when MODEL_BACKEND=external');
  }
  if (e.POOL_MIN_WARM > e.POOL_MAX_CONTAINERS) {
    problems.push('POOL_MIN_WARM: must not exceed POOL_MAX_CONTAINERS');
  }
  if (problems.length) throw new ConfigError(problems);
  const hostForUrl = e.HOST === '0.0.0.0' || e.HOST === '::' ? 'localhost' : e.HOST;
  const publicUrl = (e.PUBLIC_URL ?? `http://${hostForUrl}:${e.PORT}`).replace(/\/+$/, '');
  return Object.freeze({ ...e, PUBLIC_URL: publicUrl, isProduction: e.NODE_ENV === 'production' });
}
