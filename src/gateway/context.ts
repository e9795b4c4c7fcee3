import type { Logger } from 'pino';
import type { Kysely } from 'kysely';
import type { Config } from '../config.ts';
import type { Database } from '../db/schema.ts';
import type { AccountService, Principal } from '../vault/accounts.ts';
import type { ItemService } from '../vault/items.ts';
import type { RuleService } from '../vault/rules.ts';
import type { AuditService } from '../vault/audit.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import type { Metrics } from '../lib/metrics.ts';
import type { Hono } from 'hono';
import type { Retriever } from '../retrieval/retriever.ts';
import type { EmbeddingService } from '../retrieval/embeddings.ts';
import type { ConversationStore } from '../chat/conversations.ts';
import type { ChatService } from '../chat/chat-service.ts';
import type { ModelPool } from '../pool/model-pool.ts';

/** One part of readiness (database, model backend, …); the pool and connectors add their own. */
export interface HealthCheck {
  name: string;
  /** Required checks turn /health/ready into 503 when not ok. */
  required: boolean;
  check(): Promise<{ ok: boolean } & Record<string, unknown>>;
}

/** Everything the gateway's handlers need, built once by the composition root (src/main.ts). */
export interface AppDeps {
  config: Config;
  log: Logger;
  db: Kysely<Database>;
  accounts: AccountService;
  items: ItemService;
  rules: RuleService;
  audit: AuditService;
  jobs: JobRunner;
  metrics: Metrics;
  /** The only way to reach a model (src/pool). */
  pool: ModelPool;
  health: HealthCheck[];
  /** Server secret for CSRF tokens, derived from the master key. */
  csrfSecret: Buffer;
  retriever: Retriever;
  embeddings: EmbeddingService;
  conversations: ConversationStore;
  chat: ChatService;
  /** Extra route groups mounted by later subsystems (chat, integrations, imports). */
  mounts?: { path: string; app: Hono<AppEnv> }[];
}

export type AppEnv = {
  Variables: {
    deps: AppDeps;
    requestId: string;
    log: Logger;
    principal: Principal;
  };
};
